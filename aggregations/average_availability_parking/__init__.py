"""Mean free places and availability rate of each car park over the last hour."""

from __future__ import annotations

from datetime import timedelta

from aggregations.average_availability_parking.compute import compute
from aggregations.average_availability_parking.models import AverageAvailability
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="average_availability_parking",
    description="per car park, mean free places and availability rate over the last hour",
    inputs=("parking",),
    interval=timedelta(minutes=15),
    window=timedelta(hours=1),
    output=AverageAvailability,
    compute=compute,
)
