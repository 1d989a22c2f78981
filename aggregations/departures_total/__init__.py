"""Train departures per station and in total over 24 hours (to 2 h ahead), with delays."""

from __future__ import annotations

from datetime import timedelta

from aggregations.departures_total.compute import compute
from aggregations.departures_total.models import DeparturesTotal
from aggregations.departures_total.settings import DeparturesTotalSettings
from collector.plugin import Aggregation
from sources.departures.settings import LOOKAHEAD

AGGREGATION = Aggregation(
    name="departures_total",
    description="departures per station and in total over 24 h, mean delay, share delayed",
    inputs=("departures",),
    interval=timedelta(minutes=30),
    window=timedelta(hours=24),
    # Departures are stamped with their scheduled time: count the ones about to leave too,
    # as far ahead as the source asks for them (one constant for both).
    lead=LOOKAHEAD,
    output=DeparturesTotal,
    compute=compute,
    settings=DeparturesTotalSettings,
)
