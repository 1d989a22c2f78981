"""Train departures per network over the last 24 hours."""

from __future__ import annotations

from datetime import timedelta

from aggregations.departures_by_network.compute import compute
from aggregations.departures_by_network.models import DeparturesByNetwork
from collector.plugin import Aggregation
from sources.departures.settings import LOOKAHEAD

AGGREGATION = Aggregation(
    name="departures_by_network",
    description="departures and share per network (TGV INOUI, TER, ...) over the last 24 h",
    inputs=("departures",),
    interval=timedelta(minutes=30),
    window=timedelta(hours=24),
    # Departures are stamped with their scheduled time: count the ones about to leave too,
    # as far ahead as the source asks for them (one constant for both).
    lead=LOOKAHEAD,
    output=DeparturesByNetwork,
    compute=compute,
)
