"""Vélib' now: stations in service, empty and full; bikes, e-bikes and docks available."""

from __future__ import annotations

from datetime import timedelta

from aggregations.velib_availability.compute import compute
from aggregations.velib_availability.models import VelibAvailability
from aggregations.velib_availability.settings import VelibAvailabilitySettings
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="velib_availability",
    description="Vélib' stations in service, empty and full, bikes and e-bikes available, by zone",
    inputs=(),
    latest_inputs=("velib",),
    interval=timedelta(minutes=5),
    window=timedelta(minutes=5),
    output=VelibAvailability,
    compute=compute,
    settings=VelibAvailabilitySettings,
)
