"""What the departures aggregations agree on: one count per train and station, and coverage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from aggregations._common import GoldOutput, Row, time_span
from collector.plugin import Window

DATASET = "departures"
UNKNOWN = "unknown"
CANCELLED = "cancelled"  # the source's status of a train that will not run


class DeparturesOutput(GoldOutput):
    """What every departures result covers: trains scheduled to leave in the window."""

    window_start: datetime = Field(description="window start, exclusive (UTC)")
    window_end: datetime = Field(description="window end, inclusive (UTC)")
    observed_from: datetime | None = Field(description="earliest scheduled departure counted")
    observed_to: datetime | None = Field(description="latest scheduled departure counted")
    departures: int = Field(description="departures counted (one per train and station)")


def unique(rows: Sequence[Row]) -> list[Row]:
    """One record per ``entity_id`` (train at a station), the latest scheduled time winning.

    The key is stable across polls, except for a train added in real time (its realtime time
    stands in for the schedule and may move): it must still count once.
    """
    latest: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: str(r.get("observed_at"))):
        latest[str(row.get("entity_id"))] = row
    return [latest[key] for key in sorted(latest)]


def cancelled(row: Row) -> bool:
    """A cancelled train never leaves: counted apart, in no departure nor delay figure."""
    return row.get("status") == CANCELLED


def running(rows: Sequence[Row]) -> list[Row]:
    """The trains of ``rows`` that run (the cancelled ones left out)."""
    return [row for row in rows if not cancelled(row)]


def text(row: Row, field: str) -> str | None:
    """A label of the record, stripped; ``None`` when missing or blank."""
    value: Any = row.get(field)
    return (value.strip() or None) if isinstance(value, str) else None


def coverage(rows: Sequence[Row], window: Window) -> dict[str, Any]:
    """The common fields of a result over ``rows`` (already de-duplicated)."""
    first, last = time_span(rows)
    return {
        "window_start": window.start,
        "window_end": window.end,
        "observed_from": first,
        "observed_to": last,
        "departures": len(rows),
        "note": None if rows else "no departure scheduled in the window (or no data yet)",
    }
