"""A source's ledger slots as the readers need them: the slot length and when a slot is due.

The daemon reads them off the plugin (:mod:`collector.ledger.slots`); a reader may not have
the plugin (on Lambda only the frozen manifest is shipped), so the manifest carries the
plugin's facts (:func:`facts`) and :func:`rule` applies the operator's ``interval`` and
``freshness`` settings to them as :func:`collector.ledger.slots.slot_length` and
:func:`~collector.ledger.slots.due_after` do (a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from collector.freshness import objective_seconds
from collector.plugin import Source


@dataclass(frozen=True, kw_only=True)
class SlotRule:
    slot: timedelta
    due_after: timedelta
    """A slot without an entry is ``missing`` once ``slot_end + due_after`` has passed."""
    by: str
    """``fetched`` (a slot is the run that fetched in it) or ``observed`` (the publisher's)."""


def facts(source: Source) -> dict[str, Any]:
    """What the manifest keeps of a source's coverage (no settings applied)."""
    return {
        "slot_s": _seconds(source.coverage.slot),
        "by": source.coverage.by,
        "late_after_s": _seconds(source.coverage.late_after),
        "freshness_s": _seconds(source.freshness),
    }


def rule(
    found: Mapping[str, Any] | None,
    interval_s: float,
    *,
    interval: float | None = None,
    freshness: float | None = None,
) -> SlotRule:
    """The slot rule from the manifest's ``found`` facts, the plugin's ``interval_s`` and the
    operator's ``interval`` and ``freshness`` settings (seconds).

    A fetched slot is one run (it follows the schedule); an observed one is due once the
    coverage's ``late_after``, else the freshness objective, has passed. A manifest frozen
    before the ledger existed has no facts: one fetched slot per interval.
    """
    known = found or {}
    every = timedelta(seconds=float(interval or interval_s))
    slot = timedelta(seconds=float(known["slot_s"])) if known.get("slot_s") else every
    by = str(known.get("by") or "fetched")
    if by != "observed":
        return SlotRule(slot=slot, due_after=every, by=by)
    late = known.get("late_after_s")
    if not late:
        declared = known.get("freshness_s")
        late = objective_seconds(
            declared=float(declared) if declared is not None else None,
            interval=every.total_seconds(),
            override=freshness,
        )
    return SlotRule(slot=slot, due_after=timedelta(seconds=float(late)), by=by)


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None
