"""The destinations with the most train departures over the last 24 hours."""

from __future__ import annotations

from datetime import timedelta

from aggregations.departures_top_destinations.compute import compute
from aggregations.departures_top_destinations.models import TopDestinations
from aggregations.departures_top_destinations.settings import TopDestinationsSettings
from collector.plugin import Aggregation
from sources.departures.settings import LOOKAHEAD

AGGREGATION = Aggregation(
    name="departures_top_destinations",
    description="top N destinations by departures over the last 24 h, with shares",
    inputs=("departures",),
    interval=timedelta(minutes=30),
    window=timedelta(hours=24),
    # Departures are stamped with their scheduled time: count the ones about to leave too,
    # as far ahead as the source asks for them (one constant for both).
    lead=LOOKAHEAD,
    output=TopDestinations,
    compute=compute,
    settings=TopDestinationsSettings,
)
