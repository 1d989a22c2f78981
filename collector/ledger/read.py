"""The ledger's reading side for the daemon and the command line (the readers have
:mod:`readlayer.completeness`, over the same entries and the same :func:`slots.fill`)."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collector.keys import ts
from collector.ledger import slots
from collector.ledger.record import read_entries
from collector.plugin import Source, SourceSettings
from collector.source_state import SourceState
from collector.storage.base import Store

LOOKBACK = timedelta(days=7)
"""How far before the range the entry giving the first missing slots their ``expected`` is
looked for."""


async def ledger(
    store: Store,
    source: Source,
    settings: SourceSettings | None,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
) -> list[dict[str, Any]]:
    """Every slot of ``source`` overlapping ``[since, until)``, oldest first, the missing ones
    filled (:func:`collector.ledger.slots.fill`)."""
    slot = slots.slot_length(source, settings)
    first = slots.slot_start(since, slot)
    state = SourceState.from_stored(await store.get_state(source.name))
    stored = await read_entries(store, source.name, first, until)
    earlier: dict[str, dict[str, Any]] = {}
    if state.ledger_since is not None and state.ledger_since < ts(first):
        earlier = await read_entries(store, source.name, first - LOOKBACK, first - slot)
        # Only the nearest one matters, for ``expected``.
        earlier = dict(sorted(earlier.items())[-1:])
    start = state.ledger_since or (min(stored) if stored else None)
    return slots.fill(
        [*earlier.values(), *stored.values()],
        slot=slot,
        since=since,
        until=until,
        start=start,
        due_after=slots.due_after(source, settings),
        now=now,
        source=source.name,
    )


@dataclass
class _Window:
    """The entries of every source over the last days, as this process last read them, plus
    those it wrote since (:func:`remember`). The complete shares are asked for every few
    minutes, per source and window: without it each call would read a week of every source's
    entries (the by-day index holds all sources together), a minute-slot source's 10,080 a
    week among them."""

    since: datetime
    loaded: float
    entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


_windows: weakref.WeakKeyDictionary[Store, _Window] = weakref.WeakKeyDictionary()
REREAD_EVERY = 3600.0
"""Seconds before the cached week is read again (what other writers did: replay, rebuild)."""
CACHED_SPAN = timedelta(days=8)
"""The longest window asked for (7 days), and the day before it (:func:`complete_share`)."""


def remember(store: Store, entries: list[dict[str, Any]]) -> None:
    """Entries just written by this process: the cached window (if any) follows them."""
    window = _windows.get(store)
    if window is None:
        return
    for entry in entries:
        window.entries[(str(entry["source"]), str(entry["slot_start"]))] = entry


async def _cached(store: Store, since: datetime, now: datetime) -> _Window:
    window = _windows.get(store)
    clock = time.monotonic()
    if window is None or window.since > since or clock - window.loaded > REREAD_EVERY:
        start = min(since, now - CACHED_SPAN)
        rows = await store.read_window(slots.DATASET, start - timedelta(seconds=1), now)
        window = _Window(since=start, loaded=clock)
        for e in rows:
            if isinstance(e.get("source"), str) and isinstance(e.get("slot_start"), str):
                window.entries[(e["source"], e["slot_start"])] = e
        _windows[store] = window
    return window


async def complete_share(
    store: Store,
    source: Source,
    settings: SourceSettings | None,
    *,
    window: timedelta,
    now: datetime,
) -> float | None:
    """The share of the slots of the last ``window`` that are ``ok`` (None: no slot): the
    stored entries and the due slots without one (missing); a slot not due yet and not
    received is left out, as it is not incomplete yet. Reads through a cache of the last
    week that this process's own ledger writes keep current (:class:`_Window`)."""
    since = now - window
    slot = slots.slot_length(source, settings)
    # A day before the window: the entry giving its first missing slots their ``expected``.
    cached = await _cached(store, slots.slot_start(since, slot) - timedelta(days=1), now)
    state = SourceState.from_stored(await store.get_state(source.name))
    mine = sorted((start, e) for (name, start), e in cached.entries.items() if name == source.name)
    first = ts(slots.slot_start(since, slot))
    earlier = [e for start, e in mine if start < first][-1:]
    inside = [e for start, e in mine if start >= first]
    start = state.ledger_since or (inside[0]["slot_start"] if inside else None)
    entries = slots.fill(
        [*earlier, *inside],
        slot=slot,
        since=since,
        until=now,
        start=start,
        due_after=slots.due_after(source, settings),
        now=now,
        source=source.name,
    )
    return slots.complete_share(entries)
