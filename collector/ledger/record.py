"""The ledger's writing side: after a batch is written, count it into its slots' entries.

Called by every path that writes a batch (a live run, the spool replay, ``replay``, ``dlq
replay``, a revisit). It never fails the caller: the records are in silver already, and a
ledger entry that could not be written is logged (a warning) and rebuilt from bronze with
``paris-collector completeness --rebuild`` if it matters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from collector import keys
from collector.ingest import Batch
from collector.ledger.fold import Entry, Fold
from collector.ledger.rates import Rates
from collector.ledger.rates import key as rates_key
from collector.ledger.slots import DATASET, slot_length
from collector.ledger.tally import SlotTally, counted_dataset, tally
from collector.logs import get_logger
from collector.plugin import Source, SourceSettings
from collector.source_state import SourceState
from collector.storage.base import Row, StorageError, Store

log = get_logger(component="ledger")

RETENTION = timedelta(days=400)
"""Entries are kept longer than any silver history: a year of completeness, and a margin."""


async def record(
    store: Store,
    source: Source,
    settings: SourceSettings | None,
    batch: Batch,
    *,
    fetched_at: datetime,
    now: datetime,
    raw_key: str | None = None,
    state: SourceState | None = None,
) -> None:
    """Count ``batch`` (fetched at ``fetched_at``, from bronze object ``raw_key``, by default
    the key of that fetch time) into the ledger. ``state``: the caller's source state, which
    it saves itself (a live run); without it the ledger's start is saved here when it moves."""
    try:
        await _record(store, source, settings, batch, fetched_at, now, raw_key, state)
    except StorageError as exc:
        log.warning("ledger entry not written", source=source.name, error=str(exc))
    except Exception:  # a ledger bug must not cost the run its bookkeeping
        log.error("ledger crashed", source=source.name, exc_info=True)


async def _record(
    store: Store,
    source: Source,
    settings: SourceSettings | None,
    batch: Batch,
    fetched_at: datetime,
    now: datetime,
    raw_key: str | None,
    state: SourceState | None,
) -> None:
    slot = slot_length(source, settings)
    dataset = counted_dataset(source)
    key = raw_key or keys.raw_key(source.name, fetched_at)
    tallies = tally(source, slot, batch.rows.get(dataset, []), fetched_at, batch.answered)
    if not tallies:
        return
    starts = [t.start for t in tallies.values()]
    # The slots touched, the one before each (its checks compare) and the one after.
    entries = await read_entries(store, source.name, min(starts) - slot, max(starts) + slot)
    rates = Rates.from_body(source.name, slot, await _get(store, rates_key(source.name)))
    fold = Fold(source, settings, slot, rates, entries)
    changed = fold.add(key, fetched_at, tallies, _written(batch, dataset, tallies))
    await write_entries(store, source.name, [fold.entries[n] for n in changed], key, now)
    if fold.rates_changed:
        await store.put_object(rates_key(source.name), rates.body(now), "application/gzip")
    if fold.since is not None:
        await move_start(store, source.name, fold.since, state)


def _written(
    batch: Batch, dataset: str, tallies: Mapping[str, SlotTally]
) -> Callable[[str, SlotTally], int]:
    """The rows of a slot this batch wrote (new or changed, not the unchanged ones)."""

    def written(name: str, count: SlotTally) -> int:
        if name in batch.written_by_slot:
            return batch.written_by_slot[name]
        if len(tallies) == 1:  # a fetched slot: the whole batch
            return batch.written.get(dataset, 0)
        return count.records  # written by a path that did not split: at most all of them

    return written


async def read_entries(
    store: Store, source: str, first: datetime, last: datetime
) -> dict[str, Entry]:
    """The stored entries of ``source`` with ``first <= slot_start <= last``, by slot start."""
    rows = await store.read_window(DATASET, first - timedelta(seconds=1), last)
    return {
        str(e["slot_start"]): e
        for e in rows
        if e.get("source") == source and isinstance(e.get("slot_start"), str)
    }


async def write_entries(
    store: Store, source: str, entries: Iterable[Entry], raw_key: str, now: datetime
) -> None:
    rows = [Row(DATASET, source, str(e["slot_start"]), e, raw_key) for e in entries]
    if rows:
        expires = int((now + RETENTION).timestamp())
        await store.put_rows(rows, history=True, expires_at=expires)
        from collector.ledger.read import remember  # read imports this module

        remember(store, [dict(r.data) for r in rows])


async def move_start(
    store: Store, source: str, since: str, state: SourceState | None = None
) -> None:
    """Move the ledger's start (``ledger_since``) back to ``since`` if it is later or unset."""
    if state is not None:
        if state.ledger_since is None or since < state.ledger_since:
            state.ledger_since = since
        return
    stored = SourceState.from_stored(await store.get_state(source))
    if stored.ledger_since is None or since < stored.ledger_since:
        stored.ledger_since = since
        await store.put_state(source, stored.to_stored())


async def _get(store: Store, key: str) -> bytes | None:
    try:
        return (await store.get_raw(key)).body
    except KeyError:
        return None
