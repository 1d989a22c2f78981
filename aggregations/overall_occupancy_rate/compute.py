"""City-wide occupancy: sum(capacity - free) / sum(capacity) over the car parks that report."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from aggregations._common import ratio, rows_of, settings_of, time_span
from aggregations._parking import DATASET, FreshnessSettings, capacity, free_places, status
from aggregations.overall_occupancy_rate.models import Excluded, OverallOccupancy
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> OverallOccupancy:
    settings = settings_of(inputs, FreshnessSettings)
    max_age = timedelta(minutes=settings.max_age_minutes)
    rows = rows_of(inputs, DATASET, latest=True)
    reasons: Counter[str] = Counter()
    used: list[tuple[int, int]] = []  # (capacity, free) of each car park in the rate
    used_rows = []
    for row in rows:
        reason = status(row, window.end, max_age)
        places, free = capacity(row), free_places(row)
        if reason == "in_operation" and places is not None and free is not None:
            used.append((places, free))
            used_rows.append(row)
        else:
            reasons["no_capacity" if reason == "in_operation" else reason] += 1
    total = sum(places for places, _ in used)
    free_total = sum(free for _, free in used)
    first, last = time_span(used_rows)
    note = None
    if not rows:
        note = "no parking snapshot yet"
    elif not used:
        note = "no car park reports a fresh, plausible live count with a known capacity"
    return OverallOccupancy(
        as_of=window.end,
        max_age_minutes=settings.max_age_minutes,
        occupancy_rate=ratio(total - free_total, total),
        occupied_places=total - free_total,
        free_places=free_total,
        capacity_places=total,
        car_parks_used=len(used),
        car_parks_total=len(rows),
        excluded=Excluded(
            no_live_count=reasons["no_live_count"],
            stale=reasons["stale"],
            implausible=reasons["implausible"],
            no_capacity=reasons["no_capacity"],
        ),
        observed_from=first,
        observed_to=last,
        note=note,
    )
