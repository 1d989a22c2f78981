"""What the parking aggregations agree on: when a live count is usable, and when it is fresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from aggregations._common import Row, parse_time
from collector.plugin import AggregationSettings

DATASET = "parking"
IMPLAUSIBLE_FLAGS = frozenset({"negative", "above_capacity"})
Status = Literal["in_operation", "no_live_count", "stale", "implausible"]


class FreshnessSettings(AggregationSettings):
    """Settings of the aggregations that read the latest parking snapshot."""

    max_age_minutes: float = Field(
        default=30,
        gt=0,
        description="a live count observed longer ago than this before the window end is stale",
    )


class CarPark(BaseModel):
    """Which car park a line is about."""

    entity_id: str = Field(description="the Paris car park id")
    name: str | None = Field(description="car park name, as published")
    arrondissement: int | None = Field(description="1-20; null outside Paris or unknown")
    zone: str = Field(description='"Paris 12e", "outside Paris" or "unknown"')


class NotReporting(BaseModel):
    """Car parks of the snapshot left out, by reason (each counted once, first reason wins)."""

    no_live_count: int = Field(description="no live free-places count (availability unknown)")
    stale: int = Field(description="live count older than max_age_minutes, or flagged stale")
    implausible: int = Field(description="free places negative or above the capacity")


def car_park(row: Row) -> CarPark:
    zone = row.get("zone")
    return CarPark(
        entity_id=str(row.get("entity_id")),
        name=row.get("name"),
        arrondissement=_int(row.get("arrondissement")),
        zone=str(zone) if zone else "unknown",
    )


def capacity(row: Row) -> int | None:
    """Car places; ``None`` when unknown or zero (a rate over zero places means nothing)."""
    value = _int(row.get("capacity_cars"))
    return value if value else None


def free_places(row: Row) -> int | None:
    """The live free places, or ``None`` when the car park has no live count."""
    if row.get("availability") != "live":
        return None
    return _int(row.get("free_places"))


def plausible(row: Row) -> bool:
    """A live count is plausible when 0 <= free <= capacity (when known) and not flagged."""
    free = free_places(row)
    if free is None or free < 0 or IMPLAUSIBLE_FLAGS & set(row.get("flags") or ()):
        return False
    places = _int(row.get("capacity_cars"))
    return places is None or free <= places


def status(row: Row, as_of: datetime, max_age: timedelta) -> Status:
    """Why a car park of the latest snapshot counts as in operation, or why it does not."""
    if free_places(row) is None:
        return "no_live_count"
    observed = parse_time(row.get("observed_at"))
    if observed is None or as_of - observed > max_age or "stale" in (row.get("flags") or ()):
        return "stale"
    if not plausible(row):
        return "implausible"
    return "in_operation"


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)
