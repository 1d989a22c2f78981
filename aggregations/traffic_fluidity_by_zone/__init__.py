"""Traffic fluidity per arrondissement in the latest counted hour."""

from __future__ import annotations

from datetime import timedelta

from aggregations.traffic_fluidity_by_zone.compute import compute
from aggregations.traffic_fluidity_by_zone.models import FluidityByZone
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="traffic_fluidity_by_zone",
    description="per arrondissement: arcs, mean occupancy, share fluid, mean flow (latest hour)",
    inputs=(),
    latest_inputs=("traffic",),
    interval=timedelta(hours=1),
    window=timedelta(hours=1),
    output=FluidityByZone,
    compute=compute,
)
