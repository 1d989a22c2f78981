"""``/parkings``, ``/traffic`` and ``/departures``: the latest snapshots, filters and pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from api_testkit import CLOCK, NOW, World, get, ts

from sources.departures import SOURCE as DEPARTURES
from sources.parking import SOURCE as PARKING
from sources.traffic import SOURCE as TRAFFIC


def natural(ids: Any) -> list[str]:
    return sorted(ids, key=lambda i: (0, int(i)) if i.isdigit() else (1, i))


def all_pages(api: Any, path: str) -> tuple[list[dict[str, Any]], int]:
    """Follow ``meta.next`` to the end: every item and the number of pages."""
    items: list[dict[str, Any]] = []
    pages, token = 0, None
    while True:
        sep = "&" if "?" in path else "?"
        status, body, _ = get(api, path + (f"{sep}next={token}" if token else ""))
        assert status == 200, body
        items += body["data"]
        pages += 1
        assert body["meta"]["count"] == len(body["data"])
        token = body["meta"]["next"]
        if token is None:
            return items, pages


def test_parkings_are_the_latest_record_of_every_car_park(api: Any, world: World) -> None:
    status, body, _ = get(api, "/parkings")
    assert status == 200
    assert [p["entity_id"] for p in body["data"]] == natural(world.parkings)
    assert body["data"] == [world.parkings[i] for i in natural(world.parkings)]
    meta = body["meta"]
    assert meta["count"] == len(world.parkings)
    assert meta["observed_at"] == ts(NOW)
    assert (meta["licence"], meta["attribution"]) == (PARKING.licence, PARKING.attribution)
    assert meta["sources"] == ["parking"]
    assert meta["next"] is None
    assert meta["freshness"]["data_freshness"] == ts(NOW)
    assert meta["freshness"]["interval_s"] == 120
    assert meta["freshness"]["stale"] is False


def test_parkings_by_arrondissement(api: Any, world: World) -> None:
    status, body, _ = get(api, "/parkings?arrondissement=12")
    assert status == 200
    assert [p["entity_id"] for p in body["data"]] == ["1", "2", "3"]
    assert all(p["arrondissement"] == 12 for p in body["data"])
    assert get(api, "/parkings?arrondissement=20")[1]["data"] == []


def test_parkings_pages_cover_every_car_park_once(api: Any, world: World) -> None:
    items, pages = all_pages(api, "/parkings?limit=3")
    assert [p["entity_id"] for p in items] == natural(world.parkings)
    assert pages == 3
    items, pages = all_pages(api, "/parkings?limit=1&arrondissement=12")
    assert [p["entity_id"] for p in items] == ["1", "2", "3"]


def test_traffic_joins_each_arc_geometry(api: Any, world: World) -> None:
    status, body, _ = get(api, "/traffic")
    assert status == 200
    assert [a["entity_id"] for a in body["data"]] == natural(world.traffic)
    for arc in body["data"]:
        expected = {
            **world.traffic[arc["entity_id"]],
            "geometry": world.arcs[arc["entity_id"]]["geometry"],
        }
        assert arc == expected
    assert next(a for a in body["data"] if a["entity_id"] == "777")["geometry"] is None
    meta = body["meta"]
    assert (meta["licence"], meta["attribution"]) == (TRAFFIC.licence, TRAFFIC.attribution)
    assert meta["freshness"]["interval_s"] == 3600


def test_traffic_without_geometry(api: Any) -> None:
    body = get(api, "/traffic?geometry=false")[1]
    assert body["data"] and all(a["geometry"] is None for a in body["data"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"traffic_state": "Saturé"}, ["2203", "4243"]),
        ({"traffic_state": "Fluide"}, ["1011", "6228"]),
        ({"arrondissement": "1"}, ["1011", "1012"]),
        ({"arrondissement": "1", "traffic_state": "Bloqué"}, ["1012"]),
        ({"arrondissement": "20"}, []),
    ],
)
def test_traffic_filters(api: Any, query: dict[str, str], expected: list[str]) -> None:
    status, body, _ = get(api, "/traffic?" + urlencode(query, quote_via=quote))
    assert status == 200
    assert [a["entity_id"] for a in body["data"]] == expected


def test_traffic_pages(api: Any, world: World) -> None:
    items, pages = all_pages(api, "/traffic?limit=2")
    assert [a["entity_id"] for a in items] == natural(world.traffic)
    assert pages == 4


def departures_of(body: dict[str, Any]) -> list[str]:
    return [d["train_number"] for d in body["data"]]


def test_departures_from_an_hour_ago_in_scheduled_order(api: Any, world: World) -> None:
    status, body, _ = get(api, "/departures")
    assert status == 200
    assert departures_of(body) == ["8401", "9031", "6602", "847012", "6611", "13811", "17751"]
    first = body["data"][0]
    assert first == world.departures[first["entity_id"]]
    meta = body["meta"]
    assert (meta["licence"], meta["attribution"]) == (DEPARTURES.licence, DEPARTURES.attribution)
    assert meta["freshness"]["stale"] is True  # the source has been failing for 5 hours


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"network": "tgv inoui"}, ["8401", "9031", "6602", "6611"]),
        ({"network": "TER"}, ["13811", "17751"]),
        ({"station": "GARE DE LYON"}, ["6602", "6611", "17751"]),
        ({"station": "gare de l'est"}, ["13811"]),
        ({"station": "Gare de l’Est"}, ["13811"]),  # the typographic apostrophe too
        ({"station": "GARE DE LʼEST"}, ["13811"]),
        ({"station": "gare de l est"}, []),
        ({"station": "stop_area:SNCF:87271007"}, ["9031", "847012"]),
        ({"station": "gare du nord", "network": "Transilien"}, ["847012"]),
        ({"since": ts(CLOCK - timedelta(hours=5)), "until": ts(CLOCK)}, ["3101", "8401"]),
        ({"until": ts(CLOCK + timedelta(minutes=12))}, ["8401", "9031", "6602"]),
        ({"network": "Eurostar"}, []),
    ],
)
def test_departures_filters(api: Any, query: dict[str, str], expected: list[str]) -> None:
    status, body, _ = get(api, "/departures?" + urlencode(query, quote_via=quote))
    assert status == 200, body
    assert departures_of(body) == expected


def test_departures_pages(api: Any) -> None:
    items, pages = all_pages(api, "/departures?limit=3")
    assert [d["train_number"] for d in items] == [
        "8401", "9031", "6602", "847012", "6611", "13811", "17751"
    ]  # fmt: skip
    assert pages == 3
