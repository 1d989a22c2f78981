"""Road traffic: hourly counts of the permanent loop counters of Paris (``traffic``)."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Revisit, Source
from sources.traffic.backfill import backfill
from sources.traffic.checks import CHECKS
from sources.traffic.coverage import COVERAGE
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
    # The publisher fills in or corrects counts after first publishing them: the last two days
    # are fetched again once a day (sources/traffic/README.md, "Late corrections").
    revisit=Revisit(window=timedelta(days=2), every=timedelta(days=1)),
    checks=CHECKS,
    coverage=COVERAGE,
    # Published in one nightly batch (~01:00 UTC), one to two days behind the clock: the
    # newest hour is up to ~48 h old just before a batch; 60 h alerts on a batch half a day
    # late, not on the normal wait.
    freshness=timedelta(hours=60),
)
