"""Weeks of history in the lake for the dashboard tests, written the way the daemon writes it.

Gold points of the congestion index and the city-wide occupancy go into the gold store, and
car-park bundles in the parking upstream's format into bronze (the lake's silver is parsed
again from bronze, never read from the hot store); then the lake writer folds them in
(``collector.lake.service.Lake.flush``), as the daemon's hourly flush does. The history ends
before the hours :func:`tests.dashboard.seed.seed` writes, so both stay as they are.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from collector import keys
from collector.lake.service import Lake
from collector.registry import discover
from collector.settings import Settings
from collector.storage import make_store
from collector.storage.base import GoldPoint, Store

PARIS = ZoneInfo("Europe/Paris")
GOLD_WEEKS = 8
PARKING_WEEKS = 4
TEMPLATE = (
    Path(__file__).resolve().parents[2] / "sources/parking/testcases/live_joined/payload.json"
)
SMALLEST_CAR_PARK = 300
"""Places of the template's smallest car park: free counts below it are plausible for all."""
EXPIRES = 4_102_444_800


def _daytime(local: datetime) -> float:
    """0 at night, 1 in the early afternoon; weekends at 60 %."""
    shape = max(0.0, math.sin(math.pi * (local.hour - 6) / 16))
    return shape * (0.6 if local.weekday() >= 5 else 1.0)


def weeks_back(local: datetime, now: datetime) -> int:
    """0 this week, 1 the week before...: the same weekday ``k`` weeks ago is ``k``."""
    return (now.astimezone(PARIS).date() - local.date()).days // 7


def congestion(local: datetime, week: int) -> float:
    """The index of a Paris hour, one point higher per week back from today's: the usual
    band of a weekday over weeks 1 to 8 is its base + 1.7 (p10), + 4.5 (median), + 7.3 (p90)."""
    return round(10 + 40 * _daytime(local) + week, 3)


def occupancy(local: datetime, week: int) -> float:
    return round(0.2 + 0.6 * _daytime(local) + week / 100, 4)


def history_end(now: datetime, hours: int) -> datetime:
    """The last window of the history: before the first hour the store's seed writes."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours + 1)


async def _gold(store: Store, now: datetime, end: datetime) -> int:
    written = 0
    moment = end - timedelta(weeks=GOLD_WEEKS, days=2)
    while moment <= end:
        local = (moment - timedelta(hours=1)).astimezone(PARIS)  # the hour it covers
        week = weeks_back(local, now)
        for name, data in (
            ("traffic_congestion_index", {"congestion_index": congestion(local, week)}),
            ("overall_occupancy_rate", {"occupancy_rate": occupancy(local, week)}),
        ):
            point = GoldPoint(
                aggregation=name,
                window_start=keys.ts(moment - timedelta(hours=1)),
                window_end=keys.ts(moment),
                ran_at=keys.ts(moment),
                data=data,
            )
            await store.put_gold(point, expires_at=EXPIRES)
            written += 1
        moment += timedelta(hours=1)
    return written


def bundle(template: dict[str, object], fetched: datetime, rate: float) -> bytes:
    """One parking payload as the source's fetch stores it, every live count at ``rate``."""
    body = copy.deepcopy(template)
    body["fetched_at"] = fetched.isoformat()
    body["reference_at"] = (fetched - timedelta(hours=6)).isoformat()
    counted = (fetched - timedelta(minutes=1)).isoformat()
    for page in body["live"]:  # type: ignore[attr-defined]
        for row in page["results"]:
            row["date"] = counted
            row["counterfreeplaces"] = round(SMALLEST_CAR_PARK * (1 - rate))
    return json.dumps(body).encode()


async def _bronze(store: Store, end: datetime) -> int:
    template = json.loads(TEMPLATE.read_text())
    written = 0
    moment = end - timedelta(weeks=PARKING_WEEKS)
    while moment <= end:
        local = moment.astimezone(PARIS)
        key = keys.raw_key("parking", moment)
        body = bundle(template, moment, occupancy(local, 0))
        await store.put_raw(key, gzip.compress(body, 6), {"source": "parking"})
        written += 1
        moment += timedelta(hours=1)
    return written


async def seed_lake(settings: Settings, now: datetime, hours: int) -> dict[str, int]:
    """Write the history and flush it into the lake; the rows per lake table."""
    end = history_end(now, hours)
    registry = discover(settings.plugin_dir)
    async with make_store(settings) as store:
        await _gold(store, now, end)
        await _bronze(store, end)
        flushed = await Lake(settings, store).flush(
            [registry.sources["parking"].plugin],
            [found.plugin for found in registry.aggregations.values()],
        )
    if not flushed.ok:
        raise RuntimeError(f"seeding the lake failed: {flushed.failures}")
    return flushed.rows()
