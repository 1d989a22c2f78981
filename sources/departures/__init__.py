"""Train departures from the big Paris termini (SNCF API, Navitia), realtime delays included."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Source
from sources.departures.coverage import COVERAGE
from sources.departures.fetch import disabled_reason, fetch
from sources.departures.parse import parse
from sources.departures.records import Departure
from sources.departures.settings import DEFAULT_INTERVAL_S, DeparturesSettings

SOURCE = Source(
    name="departures",
    description="Next departures and delays at the six big Paris termini (SNCF API / Navitia)",
    interval=timedelta(seconds=DEFAULT_INTERVAL_S),
    records=(Departure,),
    fetch=fetch,
    parse=parse,
    settings=DeparturesSettings,
    licence="ODbL (SNCF open data)",
    attribution="SNCF — API SNCF (Navitia), données temps réel",
    disabled_reason=disabled_reason,
    coverage=COVERAGE,
    # Real time, polled every 3 min (a departure ahead of the clock counts as data of now).
    freshness=timedelta(minutes=10),
)
