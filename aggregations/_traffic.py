"""What the traffic aggregations agree on: the latest hour of the snapshot, and arc states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from pydantic import Field

from aggregations._common import GoldOutput, Row, parse_time

DATASET = "traffic"
STATES = ("Fluide", "Pré-saturé", "Saturé", "Bloqué", "Inconnu")
RATED_STATES = frozenset(STATES[:4])
CLOSED = "Barré"


class TrafficOutput(GoldOutput):
    """What every traffic result covers: one counting hour of the latest snapshot."""

    data_hour: datetime | None = Field(
        description="end of the counting hour described (UTC): counts cover the hour before it"
    )
    arcs: int = Field(description="arcs with a count for data_hour")
    arcs_older_hours: int = Field(
        description="arcs of the snapshot whose newest count is older than data_hour (not used)"
    )


class Hour(NamedTuple):
    hour: datetime | None
    rows: list[Row]
    older: int


def latest_hour(rows: Sequence[Row]) -> Hour:
    """The rows of the newest hour in a latest snapshot, and how many arcs lag behind it."""
    times = [parse_time(row.get("observed_at")) for row in rows]
    hour = max((t for t in times if t is not None), default=None)
    current = [row for row, t in zip(rows, times, strict=True) if hour is not None and t == hour]
    return Hour(hour, current, len(rows) - len(current))


def closed(row: Row) -> bool:
    """The arc is closed to traffic (``Barré``): its state says nothing about congestion."""
    return row.get("arc_status") == CLOSED


def rated(row: Row) -> bool:
    """An open arc with a known state (Fluide, Pré-saturé, Saturé or Bloqué)."""
    return not closed(row) and row.get("traffic_state") in RATED_STATES


def coverage_note(snapshot: Sequence[Row], hour: Hour) -> str | None:
    """Why a traffic result is empty or rests on a partial hour; ``None`` when it is whole."""
    if not snapshot:
        return "no traffic snapshot yet"
    if hour.older > len(hour.rows):
        return (
            f"partial hour: {len(hour.rows)} of {len(snapshot)} arcs counted for data_hour, "
            "the others lag behind"
        )
    return None
