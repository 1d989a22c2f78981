"""Replaying the spool into storage, oldest payload first, once storage answers again."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from collector import keys
from collector.ingest import ParseFailure, ingest, parse_failure_reject
from collector.lake.cursor import rewind as rewind_lake
from collector.ledger.record import record
from collector.logs import get_logger
from collector.plugin_settings import PluginSettings
from collector.registry import Registry
from collector.source_state import SourceState
from collector.spool import Spool, SpoolEntry
from collector.storage.base import StorageError, Store

log = get_logger(component="spool")


async def _replay_entry(
    entry: SpoolEntry, store: Store, registry: Registry, plugins: PluginSettings
) -> int:
    source = registry.source(entry.source)
    await store.put_raw(entry.raw_key, gzip.compress(entry.payload, 6), entry.meta)
    # Bronze got a payload dated before what the lake may have folded in already.
    await rewind_lake(store, entry.source, entry.raw_key)
    written, stored = 0, False
    try:
        batch = await ingest(
            store,
            source,
            entry.payload,
            entry.raw_key,
            retention_days=plugins.sources[entry.source].retention_days,
        )
        written = batch.valid
        freshness = batch.freshness
        # Before the state is read below: the ledger may move its start there.
        await record(
            store,
            source,
            plugins.sources[entry.source],
            batch,
            fetched_at=_fetched_at(entry),
            now=datetime.now(UTC),
            raw_key=entry.raw_key,
        )
        stored = written > 0 or not entry.expect_records
    except ParseFailure as exc:
        # The raw payload is in bronze now; the parse error is recorded like a live one.
        now = datetime.now(UTC)
        await store.put_rejects([parse_failure_reject(entry.source, entry.raw_key, str(exc), now)])
        freshness = None
    state = SourceState.from_stored(await store.get_state(entry.source))
    if stored and _continues(state, entry):
        state.move_cursor(entry.plugin_state)
    else:
        # As a live run would: the cursor stays where it was, so the next run fetches these
        # (and any later spooled) data again; silver upserts, nothing is duplicated.
        log.warning(
            "spooled payload replayed, cursor kept",
            source=entry.source,
            raw_key=entry.raw_key,
            reason="stored nothing the upstream announced" if not stored else "cursor moved on",
        )
    state.observe(freshness, keys.ts(datetime.now(UTC)))
    state.records_total = state.total + written
    await store.put_state(entry.source, state.to_stored())
    return written


def _fetched_at(entry: SpoolEntry) -> datetime:
    """When the spooled payload was fetched (the spool keeps it), else its bronze key's time,
    else now: a spool file damaged there still replays its payload (only its slot is off)."""
    try:
        fetched = datetime.fromisoformat(entry.fetched_at)
    except (TypeError, ValueError):
        try:
            return keys.raw_key_time(entry.raw_key)
        except ValueError:
            log.warning("spooled payload without a fetch time", raw_key=entry.raw_key)
            return datetime.now(UTC)
    return fetched if fetched.tzinfo is not None else fetched.replace(tzinfo=UTC)


def _continues(state: SourceState, entry: SpoolEntry) -> bool:
    """The spooled cursor applies over the cursor it was fetched from, and only over it.

    A payload before it that stored nothing, or another daemon that took the source over,
    left a different cursor: applying this one would skip what lies between.
    """
    if entry.before is not None:
        return dict(state.cursor) == entry.before
    return not _overtaken(state, entry)  # spooled before the chain was recorded


def _overtaken(state: SourceState, entry: SpoolEntry) -> bool:
    """A run stored after this payload was fetched (another daemon took the source over)."""
    try:
        fetched = datetime.fromisoformat(entry.fetched_at)
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=UTC)
        succeeded = keys.parse_ts(state.last_success_at or "")
    except (ValueError, OverflowError):
        return False
    return succeeded > fetched


async def drain(
    spool: Spool, store: Store, registry: Registry, plugins: PluginSettings
) -> tuple[int, int]:
    """Replay what the spool holds, in order; stop at the first storage failure.

    Returns (payloads replayed, payloads still waiting).
    """
    async with spool.lock:
        entries = spool.entries()
        done = 0
        for entry in entries:
            if entry.source not in registry.sources:
                log.warning("spooled payload of an unknown source kept", path=str(entry.path))
                continue
            try:
                written = await _replay_entry(entry, store, registry, plugins)
            except StorageError as exc:
                log.debug("spool replay paused: storage still failing", error=str(exc))
                break
            spool.remove(entry)
            done += 1
            log.info(
                "spooled payload stored",
                source=entry.source,
                raw_key=entry.raw_key,
                written=written,
            )
        return done, len(entries) - done
