"""City-wide car park occupancy rate from the car parks reporting now."""

from __future__ import annotations

from datetime import timedelta

from aggregations.overall_occupancy_rate.compute import compute
from aggregations.overall_occupancy_rate.models import OverallOccupancy
from aggregations.overall_occupancy_rate.settings import OccupancySettings
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="overall_occupancy_rate",
    description="city-wide share of occupied car places over the car parks reporting now",
    inputs=(),
    latest_inputs=("parking",),
    interval=timedelta(minutes=5),
    window=timedelta(minutes=5),
    output=OverallOccupancy,
    compute=compute,
    settings=OccupancySettings,
)
