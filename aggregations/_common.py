"""Small helpers shared by the aggregations: safe arithmetic, time spans, stable ordering.

Everything here is pure and total: no helper raises on empty input or divides by zero; the
missing answer is ``None``, and the aggregation says why in its ``note``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from collector.geo import OUTSIDE_PARIS
from collector.plugin import AggregationSettings, Inputs

UNKNOWN_ZONE = "unknown"
Row = Mapping[str, Any]
S = TypeVar("S", bound=AggregationSettings)

SHARE_DIGITS = 4
"""Shares and rates (0-1) are rounded to 4 decimals; means of counts to 2."""


class GoldOutput(BaseModel):
    """Base of every output: a ``note`` says why a result is empty or partial."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(
        default=None, description="why the result is empty or partial; null when complete"
    )


def ratio(part: float, whole: float, digits: int = SHARE_DIGITS) -> float | None:
    """``part / whole`` rounded, or ``None`` when ``whole`` is zero."""
    return round(part / whole, digits) if whole else None


def mean(values: Iterable[float], digits: int = 2) -> float | None:
    """The arithmetic mean rounded, or ``None`` for no values."""
    items = list(values)
    return round(statistics.fmean(items), digits) if items else None


def median(values: Iterable[float], digits: int = 2) -> float | None:
    """The median (mean of the two middle values for an even count), or ``None``."""
    items = list(values)
    return round(statistics.median(items), digits) if items else None


def known(rows: Iterable[Row], field: str) -> list[float]:
    """The non-null numeric values of ``field``: a null is missing, never zero."""
    values = (row.get(field) for row in rows)
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from a record dump (``2025-11-04T19:00:00Z``), in UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def time_span(rows: Iterable[Row]) -> tuple[datetime | None, datetime | None]:
    """The earliest and latest ``observed_at`` of ``rows`` (``None``, ``None`` when empty)."""
    times = [t for t in (parse_time(row.get("observed_at")) for row in rows) if t is not None]
    return (min(times), max(times)) if times else (None, None)


def natural_key(value: Any) -> tuple[int, int, str]:
    """Sort ids numerically when they are numbers ("9" before "10"), else as text."""
    text = "" if value is None else str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def zone_key(arrondissement: Any, zone: Any) -> tuple[int, int, str]:
    """Arrondissements 1-20 in order, then "outside Paris", "unknown", any other label."""
    if isinstance(arrondissement, int) and not isinstance(arrondissement, bool):
        return (0, arrondissement, "")
    if zone == OUTSIDE_PARIS:
        return (1, 0, "")
    if zone in (UNKNOWN_ZONE, None, ""):
        return (2, 0, "")
    return (3, 0, str(zone))


def zone_label(row: Row) -> str:
    """The record's zone label, ``unknown`` when it has none."""
    zone = row.get("zone")
    return str(zone) if zone else UNKNOWN_ZONE


def ranked_counts(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Items by count (highest first), ties by name: a deterministic ranking."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def settings_of(inputs: Inputs, model: type[S]) -> S:
    """The run's settings as ``model``; its defaults when the core passed another type."""
    return inputs.settings if isinstance(inputs.settings, model) else model()


def rows_of(inputs: Inputs, dataset: str, *, latest: bool) -> Sequence[Row]:
    """The rows of one dataset, empty when the core handed none."""
    source = inputs.latest if latest else inputs.window
    return source.get(dataset) or ()
