"""Paris calendar buckets of gold points, computed as the lake computes them.

A long trend is a mean per hour, day or week. The lake averages in SQL
(:func:`readlayer.lake.series`); the points it has not received yet, and a whole range when
there is no lake, come from the hot store and are averaged here by the same rule: a window
counts in the Paris hour, day or week its last instant falls in (08:00-09:00 is the hour 8),
so both halves of a chart land in the same buckets and merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
BUCKETS = ("hour", "day", "week")
LAST_INSTANT = timedelta(seconds=1)


@dataclass
class Bucket:
    """One field's mean over one bucket, and what it is made of (to merge two halves)."""

    at: datetime
    """The bucket's start, UTC."""
    value: float
    low: float
    high: float
    points: int

    def merged(self, other: Bucket) -> Bucket:
        total = self.points + other.points
        mean = (self.value * self.points + other.value * other.points) / total
        return Bucket(self.at, mean, min(self.low, other.low), max(self.high, other.high), total)


def start_of(window_end: datetime, bucket: str) -> datetime:
    """The UTC start of the Paris ``bucket`` (hour, day or week) a window ending then is in."""
    local = (window_end - LAST_INSTANT).astimezone(PARIS)
    if bucket == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if bucket == "week":
        day -= timedelta(days=day.weekday())  # ISO weeks start on Monday, as DuckDB's
    elif bucket != "day":
        raise ValueError(f"bucket must be one of {BUCKETS}, not {bucket!r}")
    return datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC)


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None  # a flag is not a quantity; NaN is no value
    return float(value)


def of_points(
    points: Iterable[tuple[datetime, Mapping[str, Any]]], fields: Sequence[str], bucket: str
) -> dict[str, dict[datetime, Bucket]]:
    """Per field, the buckets of ``(window_end, data)`` points."""
    out: dict[str, dict[datetime, Bucket]] = {f: {} for f in fields}
    for end, values in points:
        at = start_of(end, bucket)
        for field in fields:
            value = number(values.get(field))
            if value is None:
                continue
            one = Bucket(at, value, value, value, 1)
            found = out[field].get(at)
            out[field][at] = one if found is None else found.merged(one)
    return out


def of_rows(rows: Iterable[Mapping[str, Any]]) -> dict[datetime, Bucket]:
    """The lake's series rows (``at``, ``value``, ``low``, ``high``, ``points``) as buckets."""
    out: dict[datetime, Bucket] = {}
    for row in rows:
        value, points = number(row.get("value")), int(row.get("points") or 0)
        if value is None or not points:
            continue
        low, high = number(row.get("low")), number(row.get("high"))
        at: datetime = row["at"]
        out[at] = Bucket(
            at, value, value if low is None else low, value if high is None else high, points
        )
    return out


def merge(*halves: Mapping[datetime, Bucket]) -> dict[datetime, Bucket]:
    """Buckets of several reads as one, oldest first; a bucket in two is their weighted mean."""
    out: dict[datetime, Bucket] = {}
    for half in halves:
        for at, bucket in half.items():
            found = out.get(at)
            out[at] = bucket if found is None else found.merged(bucket)
    return dict(sorted(out.items()))


def hourly(points: Iterable[tuple[datetime, Mapping[str, Any]]], field: str) -> dict[int, float]:
    """The mean of ``field`` per Paris hour of the day (0-23), of points of one day."""
    found = of_points(points, [field], "hour")[field]
    return {b.at.astimezone(PARIS).hour: b.value for b in found.values()}
