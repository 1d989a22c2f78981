"""Vélib' Métropole: bikes and free docks of every bike-share station, from its GBFS feeds."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Source
from sources.velib.checks import CHECKS
from sources.velib.coverage import COVERAGE
from sources.velib.fetch import fetch
from sources.velib.parse import parse
from sources.velib.records import VelibStation
from sources.velib.settings import VelibSettings

SOURCE = Source(
    name="velib",
    description="Bikes (mechanical, electric) and free docks of ~1,400 Vélib' stations",
    # station_status is regenerated every minute (GBFS ttl 60 s): polling faster reads the
    # same file again, slower misses the rush-hour swings of busy stations.
    interval=timedelta(seconds=60),
    records=(VelibStation,),
    fetch=fetch,
    parse=parse,
    settings=VelibSettings,
    licence="Licence Ouverte / Open Licence (Etalab)",
    attribution="Vélib' Métropole — données open data GBFS du service Vélib' Métropole",
    checks=CHECKS,
    coverage=COVERAGE,
    # station_status is rebuilt every minute and polled every minute.
    freshness=timedelta(minutes=5),
)
