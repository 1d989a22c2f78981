"""A realistic local store for the dashboard tests, written the way the daemon writes it.

Silver rows are built with the real record models and written through the async ``Store``;
gold points come from the real aggregations (``AggregationRunner``), run after each hourly
snapshot as the daemon would, so the dashboard reads exactly the shapes they produce.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from collector import keys
from collector.aggregate import AggregationRunner
from collector.geo import arrondissement_label, arrondissement_number, arrondissements_geojson
from collector.plugin import Record, dataset_name
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings
from collector.storage import make_store
from collector.storage.base import Row, Store
from sources.departures.records import Departure
from sources.departures.settings import TERMINI
from sources.parking.records import ParkingAvailability
from sources.traffic.records import Arc, TrafficCount

HOURS = 8
CAR_PARKS = 36
ARCS = 240
NETWORKS = ("TGV INOUI", "OUIGO", "TER", "Transilien", "Intercités", "RER")
DIRECTIONS = (
    "Lyon Part Dieu", "Marseille Saint-Charles", "Lille Flandres", "Rouen Rive Droite",
    "Bordeaux Saint-Jean", "Strasbourg", "Orléans", "Melun", "Versailles Chantiers", "Amiens",
)  # fmt: skip
OPERATORS = ("SAEMES", "INDIGO", "EFFIA", "Q-Park")
EXPIRES = 4_102_444_800  # 2100-01-01


@dataclass(frozen=True)
class Seeded:
    now: datetime
    car_parks: int
    arcs: int
    departures: int
    stations: tuple[str, ...]
    gold_points: int


def _centroids() -> list[tuple[int, float, float, str]]:
    """(number, lon, lat, name) of each arrondissement's centre."""
    return [
        (
            int(f["properties"]["c_ar"]),
            float(f["properties"]["geom_x_y"][1]),
            float(f["properties"]["geom_x_y"][0]),
            str(f["properties"]["l_aroff"]),
        )
        for f in arrondissements_geojson()["features"]
    ]


def _where(lon: float, lat: float) -> dict[str, Any]:
    number = arrondissement_number(lon, lat)
    zone = arrondissement_label(number) if number else "outside Paris"
    return {"lon": round(lon, 6), "lat": round(lat, 6), "arrondissement": number, "zone": zone}


def _row(source: str, record: Record, at: datetime) -> Row:
    return Row(
        dataset_name(source, type(record)),
        record.entity_id,
        keys.ts(record.observed_at),
        record.model_dump(mode="json"),
        keys.raw_key(source, at),
    )


def car_parks(rng: random.Random, at: datetime, reference: datetime) -> list[Row]:
    """One snapshot: two thirds of the car parks with a live count, busier by day."""
    rows = []
    daytime = 0.5 + 0.35 * math.sin((at.hour - 6) / 24 * 2 * math.pi)
    for i, (number, lon, lat, name) in enumerate(_centroids() * 2):
        if i >= CAR_PARKS:
            break
        local = random.Random(i)
        capacity = local.randrange(120, 1200, 10)
        price_1h = round(local.uniform(2.4, 5.2), 1)
        live = i % 3 != 2
        free = max(0, min(capacity, round(capacity * (1 - daytime + rng.uniform(-0.12, 0.12)))))
        record = ParkingAvailability(
            entity_id=str(1000 + i),
            observed_at=at - timedelta(minutes=1) if live else reference,
            name=f"Parking {name} {'Nord' if i < 20 else 'Sud'}",
            address=f"{10 + i} rue de {name}, 750{number:02d} Paris",
            operator=OPERATORS[i % len(OPERATORS)],
            capacity_cars=capacity,
            capacity_pmr=capacity // 50,
            capacity_motorbikes=local.randrange(0, 60),
            capacity_bikes=local.randrange(0, 40),
            capacity_ev=local.randrange(0, 30),
            max_height_cm=local.choice((190, 200, 210)),
            price_1h=price_1h,
            price_2h=round(price_1h * 1.9, 1),
            price_3h=round(price_1h * 2.7, 1),
            price_4h=round(price_1h * 3.4, 1),
            price_24h=round(price_1h * 9 + local.uniform(0, 8), 1),
            live_id=f"PMO{i:02d}" if live else None,
            free_places=free if live else None,
            occupancy_rate=round(1 - free / capacity, 4) if live else None,
            availability="live" if live else "unknown",
            flags=[],
            **_where(lon + local.uniform(-0.006, 0.006), lat + local.uniform(-0.004, 0.004)),
        )
        rows.append(_row("parking", record, at))
    return rows


def arcs(reference: datetime) -> list[Row]:
    """The arc reference: short polylines around every arrondissement centre."""
    rows = []
    centres = _centroids()
    for i in range(ARCS):
        local = random.Random(10_000 + i)
        _, lon, lat, _ = centres[i % len(centres)]
        lon += local.uniform(-0.012, 0.012)
        lat += local.uniform(-0.008, 0.008)
        heading = local.uniform(0, 2 * math.pi)
        line = [(lon, lat)]
        for _ in range(local.randrange(2, 6)):
            heading += local.uniform(-0.4, 0.4)
            lon += 0.0018 * math.cos(heading)
            lat += 0.0012 * math.sin(heading)
            line.append((round(lon, 6), round(lat, 6)))
        mid = line[len(line) // 2]
        record = Arc(
            entity_id=str(5000 + i),
            observed_at=reference,
            label=f"Rue_{i:03d}",
            upstream_node_id=f"N{i}",
            upstream_node_label=f"Node {i}",
            downstream_node_id=f"N{i + 1}",
            downstream_node_label=f"Node {i + 1}",
            geometry=line,
            **_where(*mid),
        )
        rows.append(_row("traffic", record, reference))
    return rows


def _state(k: float | None) -> str:
    if k is None:
        return "Inconnu"
    return "Fluide" if k < 15 else "Pré-saturé" if k < 30 else "Saturé" if k < 50 else "Bloqué"


def counts(rng: random.Random, arc_rows: list[Row], hour_end: datetime) -> list[Row]:
    """One counted hour of every arc: busier at rush hours, a few unmeasured or closed."""
    rush = 1 + 0.8 * math.exp(-(((hour_end.hour - 9) % 24) ** 2) / 6)
    rows = []
    for i, arc in enumerate(arc_rows):
        k = None if i % 23 == 0 else round(min(100.0, rng.gammavariate(2.2, 6) * rush), 2)
        data = {f: arc.data[f] for f in ("label", "lon", "lat", "arrondissement", "zone")}
        record = TrafficCount(
            entity_id=arc.entity_id,
            observed_at=hour_end,
            upstream_node_id=arc.data["upstream_node_id"],
            upstream_node_label=arc.data["upstream_node_label"],
            downstream_node_id=arc.data["downstream_node_id"],
            downstream_node_label=arc.data["downstream_node_label"],
            flow_q=None if k is None else round(k * rng.uniform(25, 40)),
            occupancy_k=k,
            traffic_state=_state(k),  # type: ignore[arg-type]
            arc_status="Barré" if i % 61 == 7 else "Ouvert",
            **data,
        )
        rows.append(_row("traffic", record, hour_end))
    return rows


def departures(rng: random.Random, now: datetime) -> list[Row]:
    """Trains every ~12 min from each Paris terminus, over the last day and the next 3 hours."""
    rows = []
    start = now.replace(minute=0, second=0) - timedelta(hours=24)
    for s, (stop_area, station) in enumerate(TERMINI.items()):
        t = start + timedelta(minutes=s)
        n = 0
        while t < now + timedelta(hours=3):
            network = NETWORKS[(n + s) % len(NETWORKS)]
            delay = 0.0 if rng.random() < 0.7 else float(rng.randrange(1, 26))
            realtime = rng.random() < 0.9
            number = f"{8000 + s * 300 + n}"
            record = Departure(
                entity_id=f"vehicle_journey:SNCF:{t:%Y-%m-%d}:{number}:1187:Train@{stop_area}",
                observed_at=t,
                stop_area_id=stop_area,
                station=station,
                stop_point_id=f"stop_point:SNCF:{stop_area[-8:]}:Train",
                network=network,
                commercial_mode=network,
                physical_mode="Train grande vitesse" if "TGV" in network else "Train",
                direction=DIRECTIONS[(n * 3 + s) % len(DIRECTIONS)],
                headsign=number,
                train_number=number,
                label=f"{station} - {DIRECTIONS[(n * 3 + s) % len(DIRECTIONS)]}",
                base_departure=t,
                realtime_departure=t + timedelta(minutes=delay) if realtime else None,
                delay_minutes=delay if realtime else None,
                data_freshness="realtime" if realtime else "base_schedule",
            )
            rows.append(_row("departures", record, now))
            t += timedelta(minutes=rng.randrange(8, 17))
            n += 1
    return rows


def _state_of(at: datetime, freshness: str, records: int) -> dict[str, Any]:
    return {
        "last_run_at": keys.ts(at),
        "last_status": "ok",
        "last_success_at": keys.ts(at),
        "consecutive_failures": 0,
        "records_last_run": records,
        "records_total": records * HOURS,
        "data_freshness": freshness,
    }


async def seed(settings: Settings, now: datetime | None = None) -> Seeded:
    """Write :data:`HOURS` hours of every source, running every analytic after each hour."""
    clock = (now or datetime.now(UTC)).replace(microsecond=0)
    now = clock - timedelta(seconds=clock.second, minutes=clock.minute % 5)
    rng = random.Random(20251104)
    registry = discover(settings.plugin_dir)
    plugins = resolve(registry, settings)
    reference = now - timedelta(hours=HOURS + 1)
    arc_rows = arcs(reference)
    gold = 0
    async with make_store(settings) as store:
        await store.init()
        await _put(store, arc_rows, history=False)
        board = departures(rng, now)
        await _put(store, board, history=True)
        runners = [
            AggregationRunner(found.plugin, plugins.aggregations[name], store)
            for name, found in registry.aggregations.items()
        ]
        for step in range(HOURS - 1, -1, -1):
            at = now - timedelta(hours=step)
            await _put(store, car_parks(rng, at, reference), history=True)
            hour_end = at.replace(minute=0) - timedelta(hours=1)
            await _put(store, counts(rng, arc_rows, hour_end), history=True)
            for runner in runners:
                result = await runner.run(at + timedelta(seconds=30))
                if result.failed:
                    raise RuntimeError(f"seeding: {result.name} failed: {result.error}")
                gold += 1
        last = keys.ts(now - timedelta(minutes=1))
        await store.put_state("parking", _state_of(clock, last, CAR_PARKS))
        hour = keys.ts(now.replace(minute=0) - timedelta(hours=1))
        await store.put_state("traffic", _state_of(clock - timedelta(minutes=20), hour, ARCS))
        stale = clock - timedelta(hours=2)
        await store.put_state("departures", _state_of(stale, keys.ts(stale), len(board)))
    return Seeded(
        now=now,
        car_parks=CAR_PARKS,
        arcs=ARCS,
        departures=len(board),
        stations=tuple(TERMINI.values()),
        gold_points=gold,
    )


async def _put(store: Store, rows: list[Row], *, history: bool) -> None:
    await store.put_rows(rows, history=history, expires_at=EXPIRES)
