"""Saturated, blocked and closed road sections of the latest hour, most occupied first."""

from __future__ import annotations

from datetime import timedelta

from aggregations.traffic_critical_segments.compute import compute
from aggregations.traffic_critical_segments.models import CriticalSegments
from aggregations.traffic_critical_segments.settings import CriticalSettings
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="traffic_critical_segments",
    description="road sections Saturé or Bloqué (and Barré) in the latest hour, by occupancy",
    inputs=(),
    latest_inputs=("traffic",),
    interval=timedelta(hours=1),
    window=timedelta(hours=1),
    output=CriticalSegments,
    compute=compute,
    settings=CriticalSettings,
)
