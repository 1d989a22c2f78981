"""Per car park: mean free places and mean availability rate over the window's live counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from aggregations._common import Row, mean, natural_key, parse_time, rows_of
from aggregations._parking import DATASET, capacity, car_park, free_places, plausible
from aggregations.average_availability_parking.models import (
    AverageAvailability,
    CarParkAvailability,
)
from collector.plugin import Inputs, Window


class Sample(NamedTuple):
    observed_at: datetime
    free: int
    row: Row


def compute(inputs: Inputs, window: Window) -> AverageAvailability:
    rows = rows_of(inputs, DATASET, latest=False)
    live = [row for row in rows if free_places(row) is not None]
    by_park: dict[str, list[Sample]] = defaultdict(list)
    for row in live:
        observed, free = parse_time(row.get("observed_at")), free_places(row)
        if plausible(row) and observed is not None and free is not None:
            by_park[str(row.get("entity_id"))].append(Sample(observed, free, row))
    used = [sample for samples in by_park.values() for sample in samples]
    note = None
    if not rows:
        note = "no parking records in the window"
    elif not used:
        note = "no usable live count in the window"
    return AverageAvailability(
        window_start=window.start,
        window_end=window.end,
        observed_from=min((s.observed_at for s in used), default=None),
        observed_to=max((s.observed_at for s in used), default=None),
        car_parks_reporting=len(by_park),
        samples=len(used),
        samples_rejected=len(live) - len(used),
        records_without_live_count=len(rows) - len(live),
        car_parks=[_park(by_park[key]) for key in sorted(by_park, key=natural_key)],
        note=note,
    )


def _park(samples: list[Sample]) -> CarParkAvailability:
    newest = max(samples, key=lambda s: s.observed_at)
    free = [s.free for s in samples]
    rates = [s.free / places for s in samples if (places := capacity(s.row))]
    return CarParkAvailability(
        **car_park(newest.row).model_dump(),
        capacity_cars=newest.row.get("capacity_cars"),
        samples=len(samples),
        mean_free_places=mean(free) or 0.0,
        min_free_places=min(free),
        max_free_places=max(free),
        mean_availability_rate=mean(rates, 4),
        last_observed_at=newest.observed_at,
    )
