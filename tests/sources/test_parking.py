"""Parking: reference kept in state, live paging, degradation and recovery, join match rate."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from fake_upstream import FIXTURES, Upstream, app_settings, context, reply
from structlog.testing import capture_logs

from collector.http import HttpClient
from collector.plugin import SourceError
from sources.parking import SOURCE
from sources.parking.join import Place, match
from sources.parking.parse import _car_point, _counters, _point
from sources.parking.records import ParkingAvailability
from sources.parking.settings import ParkingSettings

REF_PATH = "/api/explore/v2.1/catalog/datasets/stationnement-en-ouvrage/exports/json"
LIVE_PATH = "/api/explore/v2.1/catalog/datasets/places-disponibles-parkings-saemes/records"
REFERENCE = (FIXTURES / "parking_reference.json").read_bytes()
LIVE = (FIXTURES / "parking_live.json").read_bytes()
NOW = datetime(2025, 10, 17, 15, 21, tzinfo=UTC)
NOT_FOUND = (
    b'{"message": "Unknown dataset: places-disponibles-parkings-saemes", "error_code": "NotFound"}'
)


def saemes_in_reference() -> set[str]:
    return {str(r["id"]) for r in orjson.loads(REFERENCE) if r["deleg"] == "SAEMES"}


def records(payload: bytes) -> dict[str, ParkingAvailability]:
    return {r.entity_id: r for r in SOURCE.parse(payload) if isinstance(r, ParkingAvailability)}


async def tick(
    upstream: Upstream, http: HttpClient, state: dict[str, str], now: datetime = NOW
) -> tuple[Any, Any]:
    ctx = context(http, app_settings(upstream), ParkingSettings(), state=state, now=now)
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    return fetched, ctx


async def test_first_tick_fetches_reference_then_keeps_it(
    upstream: Upstream, http: HttpClient
) -> None:
    upstream.routes[REF_PATH] = reply(REFERENCE)
    upstream.routes[LIVE_PATH] = reply(LIVE)
    fetched, ctx = await tick(upstream, http, {})
    ref_call, live_call = upstream.seen
    assert "geo_point_2d" in ref_call.query["select"]
    assert live_call.query == {"limit": "100", "offset": "0", "where": 'countertype = "STANDARD"'}
    assert ctx.http.stats.bytes == len(REFERENCE) + len(LIVE)
    assert fetched.state["reference"] == REFERENCE.decode()
    assert "live_down_since" not in fetched.state
    bundle = orjson.loads(fetched.payload)
    assert bundle["reference"] == orjson.loads(REFERENCE)
    assert bundle["live"] == [orjson.loads(LIVE)]
    got = records(fetched.payload)
    assert len(got) == 24
    assert {k for k, r in got.items() if r.availability == "live"} == saemes_in_reference()

    later, ctx = await tick(upstream, http, dict(fetched.state), NOW + timedelta(minutes=2))
    assert ctx.http.stats.requests == 1  # live only: the reference comes from state
    assert records(later.payload) == got  # same counts, same keys: no new history rows


async def test_live_feed_down_degrades_once_and_recovers_once(
    upstream: Upstream, http: HttpClient
) -> None:
    upstream.routes[REF_PATH] = reply(REFERENCE)
    upstream.routes[LIVE_PATH] = reply(NOT_FOUND, status=404)
    with capture_logs() as logs:
        first, _ = await tick(upstream, http, {})
        second, _ = await tick(upstream, http, dict(first.state), NOW + timedelta(minutes=2))
        upstream.routes[LIVE_PATH] = reply(LIVE)
        third, _ = await tick(upstream, http, dict(second.state), NOW + timedelta(minutes=4))
        fourth, _ = await tick(upstream, http, dict(third.state), NOW + timedelta(minutes=6))
    events = [(e["log_level"], e["event"]) for e in logs if "live feed" in e["event"]]
    assert events == [
        ("warning", "parking live feed unavailable: capacities and prices only"),
        ("info", "parking live feed recovered"),
    ]
    bundle = orjson.loads(first.payload)
    assert bundle["live"] is None
    assert "404" in bundle["live_error"]
    assert "Unknown dataset" in bundle["live_error"]
    assert first.state["live_down_since"] == second.state["live_down_since"] == NOW.isoformat()
    down = records(second.payload)
    assert len(down) == 24
    assert all(r.availability == "unknown" and r.free_places is None for r in down.values())
    assert all(r.observed_at == NOW for r in down.values())  # stable during the outage
    assert all(r.capacity_cars and r.price_1h for r in down.values())
    assert "live_down_since" not in third.state
    assert sum(r.availability == "live" for r in records(fourth.payload).values()) == 14


async def test_empty_live_feed_is_a_degradation(upstream: Upstream, http: HttpClient) -> None:
    upstream.routes[REF_PATH] = reply(REFERENCE)
    upstream.routes[LIVE_PATH] = reply(b'{"total_count": 0, "results": []}')
    fetched, _ = await tick(upstream, http, {})
    assert orjson.loads(fetched.payload)["live_error"] == "the live feed answered no rows"
    assert fetched.state["live_down_since"] == NOW.isoformat()


async def test_live_paging(upstream: Upstream, http: HttpClient) -> None:
    rows = orjson.loads(LIVE)["results"]
    many = [{**rows[i % len(rows)], "facilityid": f"X{i}", "geo": None} for i in range(230)]

    async def page(request: web.Request) -> web.StreamResponse:
        offset, limit = int(request.query["offset"]), int(request.query["limit"])
        body = {"total_count": len(many), "results": many[offset : offset + limit]}
        return web.json_response(body)

    upstream.routes[REF_PATH] = reply(REFERENCE)
    upstream.routes[LIVE_PATH] = page
    fetched, _ = await tick(upstream, http, {})
    assert [s.query.get("offset") for s in upstream.seen[1:]] == ["0", "100", "200"]
    assert len(orjson.loads(fetched.payload)["live"]) == 3


async def test_reference_refresh_failure_keeps_the_saved_one(
    upstream: Upstream, http: HttpClient
) -> None:
    upstream.routes[REF_PATH] = reply(b'{"message": "boom"}', status=400)
    upstream.routes[LIVE_PATH] = reply(LIVE)
    old = {"reference": REFERENCE.decode(), "reference_at": "2025-10-15T00:00:00+00:00"}
    fetched, _ = await tick(upstream, http, old)
    assert fetched.state["reference_at"] == "2025-10-15T00:00:00+00:00"
    with pytest.raises(SourceError, match="boom"):
        await tick(upstream, http, {})


def join(reference: list[dict[str, Any]], live: dict[str, dict[str, Any]]) -> dict[str, str]:
    cars = [Place(str(c["id"]), c["nom"], *_car_point(c)) for c in reference]
    counters = [Place(k, r["nom_parking"], *_point(r.get("geo"))) for k, r in live.items()]
    return dict(match(cars, counters))


EXPECTED = {
    "1": "PMO26",
    "3": "PMO04",
    "4": "PMO07",
    "6": "PMO10",
    "7": "PMO01",
    "9": "PMO02",
    "10": "PMO05",
    "12": "PMO08",
    "13": "PMO09",
    "15": "PMO11",
    "17": "PMO12",
    "19": "PMO13",
    "21": "PMO14",
    "22": "PMO15",
}


def test_join_match_rate_on_realistic_names_and_positions() -> None:
    reference = orjson.loads(REFERENCE)
    joined = join(reference, _counters([orjson.loads(LIVE)]))
    saemes = saemes_in_reference()
    matched = len(saemes & joined.keys())
    rate = matched / len(saemes)
    print(f"\nSAEMES car parks of the reference matched: {matched}/{len(saemes)}")
    assert rate == 1.0
    assert joined == EXPECTED  # and no other operator's car park is taken


def _moved(lon: float, lat: float, metres: float, rng: random.Random) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    dlat = metres * math.sin(angle) / 111_195
    dlon = metres * math.cos(angle) / (111_195 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


@pytest.mark.parametrize("seed", range(5))
def test_join_survives_entrances_150_m_away(seed: int) -> None:
    rng = random.Random(seed)
    live = _counters([orjson.loads(LIVE)])
    for row in live.values():
        if row.get("geo"):
            lon, lat = _moved(row["geo"]["lon"], row["geo"]["lat"], 150, rng)
            row["geo"] = {"lon": lon, "lat": lat}
    assert join(orjson.loads(REFERENCE), live) == EXPECTED


def test_join_needs_a_shared_word_beyond_the_near_radius() -> None:
    car = Place("a", "Pyramides", 2.3336, 48.8654)
    assert match([car], [Place("b", "Parking Opéra", 2.3350, 48.8660)]) == {}  # ~120 m
    assert match([car], [Place("b", "Parking Opéra", 2.3340, 48.8656)]) == {"a": "b"}  # ~35 m
    assert match([car], [Place("b", "Parking Pyramides", 2.3336, 48.8700)]) == {}  # ~510 m


def test_golden_payload_is_a_fetch_bundle() -> None:
    case = Path(__file__).parents[2] / "sources/parking/testcases/live_joined/payload.json"
    bundle = orjson.loads(case.read_bytes())
    assert set(bundle) == {
        "fetched_at",
        "reference_at",
        "reference",
        "live",
        "live_error",
        "live_down_since",
    }


async def test_apikey_goes_to_opendata_paris_only(upstream: Upstream, http: HttpClient) -> None:
    upstream.routes[REF_PATH] = reply(REFERENCE)
    upstream.routes[LIVE_PATH] = reply(LIVE)
    app = app_settings(upstream, opendata_apikey="k3y")
    ctx = context(http, app, ParkingSettings(), now=NOW)
    await SOURCE.fetch(ctx)
    ref_call, live_call = upstream.seen
    assert ref_call.headers["Authorization"] == "Apikey k3y"
    assert "Authorization" not in live_call.headers


def test_defensive_values() -> None:
    car = {
        "id": 7,
        "nom": "X",
        "arrdt": "75112",
        "nb_places": "1 250",
        "hauteur_max": "2,10 m",
        "tarif_1h": "N/A",
        "tarif_24h": "36",
        "geo_point_2d": None,
        "xlong": None,
        "ylat": None,
    }
    bundle = {
        "fetched_at": "2025-10-17T15:21:00+00:00",
        "reference_at": "2025-10-17T03:00:00+00:00",
        "reference": [car],
        "live": None,
        "live_error": "down",
        "live_down_since": None,
    }
    (record,) = SOURCE.parse(orjson.dumps(bundle))
    assert isinstance(record, ParkingAvailability)
    assert (record.entity_id, record.arrondissement, record.zone) == ("7", 12, "Paris 12e")
    assert (record.capacity_cars, record.max_height_cm) == (1250, 210)
    assert (record.price_1h, record.price_24h) == (None, 36.0)
    assert record.observed_at == datetime(2025, 10, 17, 3, tzinfo=UTC)
