"""Car parks: capacities and prices of the Paris concessions, with SAEMES live free places."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Source
from sources.parking.checks import CHECKS
from sources.parking.coverage import COVERAGE
from sources.parking.fetch import fetch
from sources.parking.parse import parse
from sources.parking.records import ParkingAvailability
from sources.parking.settings import ParkingSettings

SOURCE = Source(
    name="parking",
    description="Capacities, prices and live free places of ~125 Paris car parks",
    interval=timedelta(seconds=120),
    records=(ParkingAvailability,),
    fetch=fetch,
    parse=parse,
    settings=ParkingSettings,
    licence="ODbL (Ville de Paris); SAEMES: Licence Ouverte v2.0 (Etalab)",
    attribution="Ville de Paris — stationnement-en-ouvrage; SAEMES — places disponibles",
    checks=CHECKS,
    coverage=COVERAGE,
    # SAEMES counts every 1-2 min, polled every 2: the newest is ~4 min old at worst.
    freshness=timedelta(minutes=10),
)
