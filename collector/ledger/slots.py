"""The ledger's slots, pure: which slots a source expects, and the missing ones filled in.

A missing slot is never stored (the daemon cannot write while it is down): readers call
:func:`fill` over the stored entries, and every due slot without an entry, from the ledger's
start (the source state's ``ledger_since``), comes back as ``state="missing"``. Used by the
daemon's own reads (:mod:`collector.ledger.read`), the CLI and the read layer alike, so every
surface answers the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from collector.freshness import objective
from collector.keys import parse_ts, ts
from collector.plugin import Source, SourceSettings

DATASET = "_completeness"
"""The silver dataset holding the entries (a source name starts with a letter: no clash)."""

STATES = ("ok", "partial", "late", "missing")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def slot_start(moment: datetime, slot: timedelta) -> datetime:
    """The start of the slot holding ``moment``: slots are aligned on the epoch, in UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: a slot is in UTC")
    if slot <= timedelta(0):
        raise ValueError(f"slot must be positive, not {slot}")
    return _EPOCH + ((moment.astimezone(UTC) - _EPOCH) // slot) * slot


def interval(source: Source, settings: SourceSettings | None = None) -> timedelta:
    """The source's interval, the operator's setting applied."""
    if settings is not None and settings.interval:
        return timedelta(seconds=settings.interval)
    return source.interval


def slot_length(source: Source, settings: SourceSettings | None = None) -> timedelta:
    """The source's slot: its coverage's, else its interval (the setting applied when given:
    a fetched slot is one run, so it follows the schedule)."""
    return source.coverage.slot or interval(source, settings)


def freshness_objective(source: Source, settings: SourceSettings | None = None) -> timedelta:
    """How old the newest data may be: the setting, else the source's, else three intervals
    (:func:`collector.freshness.objective`, which the freshness gauges use too)."""
    if settings is not None:
        return objective(source, settings)
    return source.freshness or 3 * source.interval


def late_after(source: Source, settings: SourceSettings | None = None) -> timedelta:
    """How long after its end a slot may first arrive before it is ``late``."""
    return source.coverage.late_after or freshness_objective(source, settings)


def due_after(source: Source, settings: SourceSettings | None = None) -> timedelta:
    """How long after its end a slot without an entry counts as missing: one interval for a
    fetched slot (the next run would have written it), the late objective for an observed one
    (the publisher's hour arrives later by design)."""
    if source.coverage.by == "observed":
        return late_after(source, settings)
    return interval(source, settings)


def missing_entry(source: str, start: datetime, slot: timedelta, expected: int) -> dict[str, Any]:
    """The entry a reader shows for a due slot nothing was recorded for."""
    return {
        "source": source,
        "slot_start": ts(start),
        "slot_end": ts(start + slot),
        "expected": expected,
        "received": 0,
        "seen": 0,
        "payloads": 0,
        "records": 0,
        "flagged": 0,
        "checks": {},
        "revisions": 0,
        "state": "missing",
        "first_received_at": None,
        "last_received_at": None,
    }


def fill(
    entries: Iterable[Mapping[str, Any]],
    *,
    slot: timedelta,
    since: datetime,
    until: datetime,
    start: datetime | str | None,
    due_after: timedelta,
    now: datetime,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """The slots overlapping ``[since, until)``, oldest first: the stored ``entries`` there,
    and a ``missing`` entry for every due slot (``slot_end + due_after <= now``) from ``start``
    (the ledger's first slot; None: no ledger yet, nothing is missing) with no entry.

    ``entries`` may hold entries outside the range (in any order): they are left out, but the
    nearest earlier one still gives a missing slot its ``expected``. ``source`` names the
    source in missing entries (default: the entries' own).
    """
    if slot <= timedelta(0):
        raise ValueError(f"slot must be positive, not {slot}")
    by_start: dict[str, dict[str, Any]] = {}
    for entry in entries:
        by_start[str(entry["slot_start"])] = dict(entry)
    ordered = sorted(by_start.items())  # fixed-width UTC keys: string order is time order
    if source is None:
        source = str(ordered[0][1].get("source", "")) if ordered else ""
    first = slot_start(since, slot)
    if isinstance(start, str):
        start = parse_ts(start)
    out: list[dict[str, Any]] = []
    # The expected count carried into missing slots: the last stored entry before each slot.
    expected = 0
    index = 0
    moment = first
    while moment < until:
        key = ts(moment)
        while index < len(ordered) and ordered[index][0] < key:
            expected = _int(ordered[index][1].get("expected"))
            index += 1
        stored = by_start.get(key)
        if stored is not None:
            out.append(stored)
            expected = _int(stored.get("expected"))
        elif start is not None and moment >= start and moment + slot + due_after <= now:
            out.append(missing_entry(source, moment, slot, expected))
        moment += slot
    return out


def complete_share(entries: Iterable[Mapping[str, Any]]) -> float | None:
    """The share of (filled) entries whose state is ``ok``; None when there is no slot."""
    states = [entry.get("state") for entry in entries]
    if not states:
        return None
    return sum(1 for state in states if state == "ok") / len(states)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
