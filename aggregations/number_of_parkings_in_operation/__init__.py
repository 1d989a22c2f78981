"""Car parks in operation now (fresh live count) and in total."""

from __future__ import annotations

from datetime import timedelta

from aggregations.number_of_parkings_in_operation.compute import compute
from aggregations.number_of_parkings_in_operation.models import ParkingsInOperation
from aggregations.number_of_parkings_in_operation.settings import InOperationSettings
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="number_of_parkings_in_operation",
    description="car parks reporting a fresh live count now, out of all known car parks",
    inputs=(),
    latest_inputs=("parking",),
    interval=timedelta(minutes=5),
    window=timedelta(minutes=5),
    output=ParkingsInOperation,
    compute=compute,
    settings=InOperationSettings,
)
