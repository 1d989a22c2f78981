"""Road traffic: hourly counts of the permanent loop counters of Paris (``traffic``)."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Source
from sources.traffic.backfill import backfill
from sources.traffic.fetch import fetch
from sources.traffic.parse import parse
from sources.traffic.records import Arc, TrafficCount
from sources.traffic.settings import TrafficSettings

SOURCE = Source(
    name="traffic",
    description="Hourly flow and occupancy of ~3,000 road sections (comptages-routiers-permanents)",
    interval=timedelta(hours=1),
    records=(TrafficCount, Arc),
    fetch=fetch,
    parse=parse,
    settings=TrafficSettings,
    licence="ODbL",
    attribution="Ville de Paris — Direction de la Voirie et des Déplacements",
    backfill=backfill,
    backfill_slice=timedelta(days=1),
)
