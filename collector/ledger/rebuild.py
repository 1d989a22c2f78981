"""The ledger rebuilt from bronze for a past range (``paris-collector completeness --rebuild``):
every payload that may hold the range's slots is parsed again (silver is not rewritten) and
folded with the same rule as live (:mod:`collector.ledger.fold`), so the entries come out as
the daemon would have written them.

A slot's ``expected`` is kept from its stored entry (the judgement made then, from the rates
of then); a slot with no entry (before the ledger existed, or lost) gets it from rates folded
over the range itself. The stored rates are left alone unless there are none yet. A slot with
an entry but no bronze payload keeps its entry.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector import keys
from collector.ingest import ParseFailure, build_batch
from collector.ledger.fold import Fold
from collector.ledger.rates import Rates
from collector.ledger.rates import key as rates_key
from collector.ledger.record import move_start, read_entries, write_entries
from collector.ledger.slots import late_after, slot_length, slot_start
from collector.ledger.tally import SlotTally, counted_dataset, tally
from collector.plugin import Source, SourceSettings
from collector.replay import bronze_keys
from collector.storage.base import Store


@dataclass
class RebuildReport:
    payloads: int = 0
    unreadable: int = 0
    entries: int = 0


async def rebuild(
    store: Store,
    source: Source,
    settings: SourceSettings | None,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
) -> RebuildReport:
    """Rewrite the entries of the slots overlapping ``[since, until)`` from bronze."""
    slot = slot_length(source, settings)
    first = slot_start(since, slot)
    dataset = counted_dataset(source)
    stored = await read_entries(store, source.name, first - slot, until)
    inside = {k: e for k, e in stored.items() if k >= keys.ts(first)}
    before = {k: e for k, e in stored.items() if k < keys.ts(first)}
    expected = {k: e["expected"] for k, e in inside.items() if isinstance(e.get("expected"), int)}
    # The range's own rates: the stored ones are of now, not of the range's time.
    rates = Rates(source=source.name, slot=slot)
    fold = Fold(source, settings, slot, rates, before, expected)
    texts: dict[str, dict[tuple[str, str], int]] = {}
    report = RebuildReport()
    for key in await bronze_keys(store, source.name, first, _last_fetch(source, settings, until)):
        fetched_at = keys.raw_key_time(key)
        try:
            payload = gzip.decompress((await store.get_raw(key)).body)
            batch = await asyncio.to_thread(build_batch, source, payload, key, now)
        except (ParseFailure, OSError, EOFError, KeyError):
            report.unreadable += 1
            continue
        report.payloads += 1
        found = tally(source, slot, batch.rows.get(dataset, []), fetched_at, batch.answered)
        found = {k: t for k, t in found.items() if keys.ts(first) <= k < keys.ts(until)}
        if not found:
            continue
        if source.coverage.by == "fetched":
            texts = {k: v for k, v in texts.items() if k in found}  # slots come in order
        counts = {name: _changed(texts.setdefault(name, {}), t) for name, t in found.items()}
        fold.add(key, fetched_at, found, _given(counts))
    rebuilt = [e for k, e in sorted(fold.entries.items()) if k >= keys.ts(first)]
    for start in range(0, len(rebuilt), 500):
        chunk = rebuilt[start : start + 500]
        await write_entries(store, source.name, chunk, str(chunk[-1]["raw_keys"][-1]), now)
    report.entries = len(rebuilt)
    if fold.since is not None:
        await move_start(store, source.name, fold.since)
    if rebuilt and not await _exists(store, rates_key(source.name)):
        await store.put_object(rates_key(source.name), rates.body(now), "application/gzip")
    return report


def _last_fetch(source: Source, settings: SourceSettings | None, until: datetime) -> datetime:
    """The last fetch that may hold a slot of the range: a fetched slot is its own fetch; an
    observed one arrives up to its late objective after, and a revisit may send it again."""
    if source.coverage.by == "fetched":
        return until
    margin = late_after(source, settings)
    if source.revisit is not None:
        margin = max(margin, source.revisit.window + source.revisit.every)
    return until + margin + timedelta(minutes=1)


def _changed(known: dict[tuple[str, str], int], count: SlotTally) -> int:
    """The slot's rows a live write would have written: new or changed since the slot's
    earlier payloads (what silver's unchanged-row skip compares with); ``known`` follows."""
    changed = 0
    for row in count.rows:
        digest = hash(row.text())
        if known.get((row.entity_id, row.observed_at)) != digest:
            changed += 1
            known[(row.entity_id, row.observed_at)] = digest
    return changed


def _given(counts: dict[str, int]) -> Callable[[str, SlotTally], int]:
    return lambda name, _: counts[name]


async def _exists(store: Store, key: str) -> bool:
    try:
        await store.get_raw(key)
    except KeyError:
        return False
    return True
