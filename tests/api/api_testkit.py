"""What the API tests share: the seeded world (records built with the sources' record models,
written through the daemon's own ``Store``; gold points computed by the real aggregation
runner) and a request helper. Fixtures are in ``conftest.py``; this module has a name of its
own because ``conftest`` is not importable by name when the whole suite runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from api.serve import load_app
from collector import keys
from collector.aggregate import AggregationRunner
from collector.plugin import Record
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings
from collector.storage import make_store
from collector.storage.base import GoldPoint, Row, Store
from sources.departures.records import Departure
from sources.parking.records import ParkingAvailability
from sources.traffic.records import Arc, TrafficCount

APP = load_app()
INSTALLED = tuple(sorted(discover().sources))
"""Every source found (built-in and installed); the seeded ones are a subset."""
SEEDED = ("departures", "parking", "traffic")

AWS_REGION = "eu-west-3"
EXPIRES = 4_000_000_000
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
"""The last full hour: traffic counts, car park counts and gold windows end here."""
CLOCK = datetime.now(UTC).replace(second=0, microsecond=0)
"""Departures are placed around the real time, as the default ``/departures`` window is."""
HOURS = 30
AGGREGATIONS = (
    "average_availability_parking",
    "number_of_parkings_in_operation",
    "overall_occupancy_rate",
    "reference_pricing",
    "traffic_congestion_index",
    "traffic_critical_segments",
    "traffic_fluidity_by_zone",
    "departures_by_network",
    "departures_top_destinations",
    "departures_total",
)
GOLD_POINTS = 3


@dataclass
class World:
    """What was written, for the tests to compare with."""

    backend: str
    settings: Settings
    parkings: dict[str, dict[str, Any]] = field(default_factory=dict)
    traffic: dict[str, dict[str, Any]] = field(default_factory=dict)
    arcs: dict[str, dict[str, Any]] = field(default_factory=dict)
    departures: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: dict[str, list[str]] = field(default_factory=dict)
    """Observation times written per ``dataset#entity``, newest first."""
    gold: dict[str, list[str]] = field(default_factory=dict)
    """Window ends per aggregation, newest first."""


def ts(moment: datetime) -> str:
    return keys.ts(moment)


# records ---------------------------------------------------------------------------------------
PARKS = [
    # id, name, arrondissement, operator, capacity, price_1h, live (free places) or None
    ("1", "MEDITERRANEE - GARE DE LYON", 12, "SAEMES", 455, 4.1, 187),
    ("2", "Gare de Lyon - Diderot", 12, "INDIGO", 690, 4.5, None),
    ("3", "Bercy - Lumière", 12, "SAEMES", 520, 3.9, 61),
    ("7", "Saint-Germain-des-Prés", 6, "INDIGO", 387, 5.2, None),
    ("10", "Pyramides", 1, "SAEMES", 602, 5.5, 12),
    ("11", "Marché Saint-Honoré", 1, "INDIGO", 340, 5.0, None),
    ("24", "Montparnasse Gaité", 14, "SAEMES", 410, 3.6, 230),
    ("105", "Porte Maillot - Palais des Congrès", None, "SAEMES", 1600, 3.5, 800),
]


def parking(park: tuple[Any, ...], at: datetime, free: int | None) -> ParkingAvailability:
    entity, name, arr, operator, capacity, price, _ = park
    return ParkingAvailability(
        entity_id=entity,
        observed_at=at,
        name=name,
        address=f"{10 + int(entity)} rue de Paris",
        arrondissement=arr,
        zone=f"Paris {arr}e" if arr else "outside Paris",
        operator=operator,
        capacity_cars=capacity,
        capacity_pmr=capacity // 50,
        capacity_motorbikes=capacity // 20,
        capacity_bikes=capacity // 40,
        capacity_ev=capacity // 30,
        max_height_cm=190,
        price_1h=price,
        price_2h=round(price * 1.9, 2),
        price_3h=round(price * 2.7, 2),
        price_4h=round(price * 3.4, 2),
        price_24h=round(price * 8.5, 2),
        lon=2.30 + int(entity) / 1000,
        lat=48.85 + int(entity) / 2000,
        live_id=f"PMO{entity}" if free is not None else None,
        free_places=free,
        occupancy_rate=round(1 - free / capacity, 3) if free is not None else None,
        availability="live" if free is not None else "unknown",
        flags=[],
    )


ARCS = [
    # id, label, arrondissement, states over time (newest first)
    ("6228", "Av_Flandre", 19, "Fluide"),
    ("5462", "AE_A4_bretelle_11", None, "Pré-saturé"),
    ("4243", "Bd_Voltaire", 11, "Saturé"),
    ("1011", "Rue_de_Rivoli", 1, "Fluide"),
    ("1012", "Rue_de_Rivoli_2", 1, "Bloqué"),
    ("2203", "Quai_de_Bercy", 12, "Saturé"),
    ("777", "Bd_Periph_Porte_Maillot", None, "Inconnu"),
]


def _arc_fields(arc: tuple[Any, ...]) -> dict[str, Any]:
    entity, label, arr, _ = arc
    return {
        "entity_id": entity,
        "label": label,
        "upstream_node_id": str(int(entity) + 1),
        "upstream_node_label": f"{label}-amont",
        "downstream_node_id": str(int(entity) + 2),
        "downstream_node_label": f"{label}-aval",
        "lon": 2.35 + int(entity) / 100_000,
        "lat": 48.86 + int(entity) / 200_000,
        "arrondissement": arr,
        "zone": f"Paris {arr}e" if arr else "outside Paris",
    }


def count(arc: tuple[Any, ...], at: datetime, hours_ago: int) -> TrafficCount:
    state = arc[3] if hours_ago == 0 else ("Fluide" if hours_ago % 3 else "Pré-saturé")
    return TrafficCount(
        **_arc_fields(arc),
        observed_at=at,
        flow_q=None if state == "Inconnu" else 400.0 + 10 * hours_ago,
        occupancy_k=None if state == "Inconnu" else {"Fluide": 6.5}.get(state, 31.0),
        traffic_state=state,
        arc_status="Barré" if state == "Bloqué" else "Ouvert",
    )


def arc_reference(arc: tuple[Any, ...], at: datetime) -> Arc:
    fields = _arc_fields(arc)
    line = [(fields["lon"] - 0.001, fields["lat"]), (fields["lon"] + 0.001, fields["lat"] + 0.0005)]
    return Arc(**fields, observed_at=at, geometry=None if arc[0] == "777" else line)


TRAINS = [
    # train, network, station id, station, direction, minutes from now, delay
    ("6602", "TGV INOUI", "87686006", "Paris Gare de Lyon", "Lyon Part Dieu", 12, 7.0),
    ("6611", "TGV INOUI", "87686006", "Paris Gare de Lyon", "Marseille Saint-Charles", 25, 0.0),
    ("17751", "TER", "87686006", "Paris Gare de Lyon", "Dijon Ville", 40, 3.0),
    ("9031", "TGV INOUI", "87271007", "Paris Gare du Nord", "Lille Europe", 5, 0.0),
    ("847012", "Transilien", "87271007", "Paris Gare du Nord", "Creil", 18, None),
    ("13811", "TER", "87113001", "Paris Gare de l'Est", "Reims", 33, 12.0),
    ("8401", "TGV INOUI", "87391003", "Paris Montparnasse", "Bordeaux Saint-Jean", -30, 0.0),
    ("3101", "Intercités", "87547000", "Paris Austerlitz", "Orléans", -240, 0.0),
]


def departure(train: tuple[Any, ...]) -> Departure:
    number, network, stop, station, direction, minutes, delay = train
    base = CLOCK + timedelta(minutes=minutes)
    realtime = base + timedelta(minutes=delay) if delay is not None else None
    return Departure(
        entity_id=f"vehicle_journey:SNCF:{base:%Y-%m-%d}:{number}@stop_area:SNCF:{stop}",
        observed_at=base,
        stop_area_id=f"stop_area:SNCF:{stop}",
        station=station,
        stop_point_id=f"stop_point:SNCF:{stop}:Train",
        network=network,
        commercial_mode=network,
        physical_mode="Train grande vitesse" if network == "TGV INOUI" else "Train",
        direction=direction,
        headsign=number,
        train_number=number,
        label=f"{station} - {direction}",
        base_departure=base,
        realtime_departure=realtime,
        delay_minutes=delay,
        data_freshness="realtime" if delay is not None else "base_schedule",
    )


def rows(dataset: str, records: list[Record]) -> list[Row]:
    return [
        Row(
            dataset,
            r.entity_id,
            ts(r.observed_at),
            r.model_dump(mode="json"),
            keys.raw_key(dataset.split(".")[0], r.observed_at),
        )
        for r in records
    ]


def bookkeeping(records_total: int, *, failing: bool = False) -> dict[str, Any]:
    """A state as ``collector.runner`` saves it (plus a plugin cursor the API must not show)."""
    last = ts(datetime.now(UTC) - timedelta(seconds=30))
    state: dict[str, Any] = {
        "plugin": {"watermark": ts(NOW)},
        "last_run_at": last,
        "last_status": "failed" if failing else "ok",
        "last_duration_s": 1.2,
        "last_success_at": ts(NOW - timedelta(hours=5)) if failing else last,
        "consecutive_failures": 3 if failing else 0,
        "records_last_run": 8,
        "records_total": records_total,
        "data_freshness": ts(NOW),
        "last_raw_key": keys.raw_key("parking", NOW),
    }
    if failing:
        state["last_error"] = "HTTP 401 from api.sncf.com: token refused"
        state["last_error_at"] = last
    return state


# seeding ---------------------------------------------------------------------------------------
async def seed(store: Store, world: World) -> None:
    parks, counts, arcs = [], [], []
    for hours_ago in range(HOURS):
        at = NOW - timedelta(hours=hours_ago)
        for park in PARKS:
            free = park[6] - hours_ago if park[6] is not None else None
            # A car park without a live count keeps one stable observation time.
            if park[6] is None and hours_ago:
                continue
            parks.append(parking(park, at, max(free, 0) if free is not None else None))
        for arc in ARCS:
            counts.append(count(arc, at, hours_ago))
    arcs = [arc_reference(arc, NOW) for arc in ARCS]
    trains = [departure(train) for train in TRAINS]
    await store.put_rows(rows("parking", parks), history=True, expires_at=EXPIRES)
    await store.put_rows(rows("traffic", counts), history=True, expires_at=EXPIRES)
    await store.put_rows(rows("traffic.arcs", arcs), history=False, expires_at=EXPIRES)
    await store.put_rows(rows("departures", trains), history=True, expires_at=EXPIRES)
    await store.put_state("parking", bookkeeping(len(parks)))
    await store.put_state("traffic", bookkeeping(len(counts)))
    await store.put_state("departures", bookkeeping(len(trains), failing=True))

    latest = lambda records: {r.entity_id: r.model_dump(mode="json") for r in records}  # noqa: E731
    world.parkings = latest(sorted(parks, key=lambda r: r.observed_at))
    world.traffic = latest(sorted(counts, key=lambda r: r.observed_at))
    world.arcs = latest(arcs)
    world.departures = latest(trains)
    for dataset, records in (("parking", parks), ("traffic", counts)):
        for r in records:
            world.history.setdefault(f"{dataset}#{r.entity_id}", []).append(ts(r.observed_at))
    for times in world.history.values():
        times.sort(reverse=True)
    await seed_gold(store, world)


_GOLD: list[GoldPoint] = []
"""Gold points computed for the first store seeded, copied as they are into the others."""


async def seed_gold(store: Store, world: World) -> None:
    """Run each installed aggregation at a few moments; write plain points for the others."""
    if _GOLD:
        for point in _GOLD:
            await store.put_gold(point, expires_at=EXPIRES)
            world.gold.setdefault(point.aggregation, []).append(point.window_end)
        for ends in world.gold.values():
            ends.sort(reverse=True)
        return
    registry = discover()
    plugins = resolve(registry, world.settings)
    for name in AGGREGATIONS:
        ends: list[str] = []
        found = registry.aggregations.get(name)
        every = found.plugin.interval if found is not None else timedelta(hours=1)
        for step in range(GOLD_POINTS):
            moment = NOW - step * max(every, timedelta(hours=1))
            if found is not None:
                runner = AggregationRunner(found.plugin, plugins.aggregations[name], store)
                result = await runner.run(moment)
                if not result.failed:
                    ends.append(result.window_end)
                    continue
            end = ts(moment)
            data = {"total": 100 + step, "note": None}
            await store.put_gold(
                GoldPoint(name, ts(moment - timedelta(hours=1)), end, end, data),
                expires_at=EXPIRES,
            )
            ends.append(end)
        world.gold[name] = sorted(set(ends), reverse=True)
        _GOLD.extend(await store.read_gold(name, "", "~"))


async def _seed(settings: Settings, world: World) -> None:
    async with make_store(settings) as store:
        await store.init()
        await seed(store, world)


def get(api: Any, path: str, **headers: str) -> tuple[int, Any, dict[str, str]]:
    """Status, decoded JSON body (None when empty) and headers of a GET."""
    import gzip
    import json

    response = api.get(path, headers=headers)
    body = response.body
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status_code, json.loads(body) if body else None, response.headers
