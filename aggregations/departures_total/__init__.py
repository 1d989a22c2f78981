"""Train departures per station and in total over the last 24 hours, with delays."""

from __future__ import annotations

from datetime import timedelta

from aggregations.departures_total.compute import compute
from aggregations.departures_total.models import DeparturesTotal
from aggregations.departures_total.settings import DeparturesTotalSettings
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="departures_total",
    description="departures per station and in total over 24 h, mean delay, share delayed",
    inputs=("departures",),
    interval=timedelta(minutes=30),
    window=timedelta(hours=24),
    output=DeparturesTotal,
    compute=compute,
    settings=DeparturesTotalSettings,
)
