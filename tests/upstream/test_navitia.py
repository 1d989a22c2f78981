"""SNCF Navitia departures: auth, errors, the real shape, pagination, realtime."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from .helpers import Fetch, Replay

SAMPLE = Path(__file__).parents[1] / "sources/fixtures/navitia_departures_sample.json"
LYON = "/v1/coverage/sncf/stop_areas/stop_area:SNCF:87686006/departures"
AUTH = {"Authorization": "any-token"}
TERMINI = ["87686006", "87271007", "87384008", "87391003", "87113001", "87547000", "87686667"]


def test_no_token_is_401_with_navitias_body(fetch: Fetch) -> None:
    answer = fetch(LYON)
    assert answer.status == 401
    assert answer.json()["message"].startswith("no token. You can get one at")


def test_token_as_header_basic_user_or_key(fetch: Fetch) -> None:
    basic = "Basic " + base64.b64encode(b"my-token:").decode()
    assert fetch(LYON, headers={"Authorization": "my-token"}).status == 200
    assert fetch(LYON, headers={"Authorization": basic}).status == 200
    assert fetch(LYON, key="my-token").status == 200
    assert fetch(LYON, headers={"Authorization": "Basic !!!"}).status == 401


def test_accepted_tokens_are_configurable(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.accept_tokens(["good"])
    assert fetch(LYON, headers={"Authorization": "good"}).status == 200
    refused = fetch(LYON, headers={"Authorization": "bad"})
    assert refused.status == 401
    assert "message" in refused.json()


def test_unknown_stop_area_and_region(fetch: Fetch) -> None:
    answer = fetch("/v1/coverage/sncf/stop_areas/stop_area:SNCF:00000000/departures", headers=AUTH)
    assert answer.status == 404
    assert answer.json() == {
        "error": {"id": "unknown_object", "message": "Invalid id : stop_area:SNCF:00000000"}
    }
    region = fetch("/v1/coverage/mars/stop_areas/stop_area:SNCF:87686006/departures", headers=AUTH)
    assert region.status == 404
    assert region.json()["error"]["id"] == "unknown_object"


def _keys(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        out = set()
        for key, inner in value.items():
            out.add(prefix + key)
            out |= _keys(inner, f"{prefix}{key}.")
        return out
    if isinstance(value, list) and value:
        return _keys(value[0], prefix + "[].")
    return set()


def test_departure_has_the_real_shape(fetch: Fetch) -> None:
    sample = json.loads(SAMPLE.read_text())
    body = fetch(LYON, headers=AUTH, data_freshness="base_schedule").json()
    assert set(body) == set(sample)
    ours, theirs = _keys(body["departures"][0]), _keys(sample["departures"][0])
    missing = {k for k in theirs - ours if "administrative_regions" not in k}
    assert not missing
    assert body["context"]["timezone"] == "Europe/Paris"
    dep = body["departures"][0]
    assert isinstance(dep["stop_point"]["coord"]["lon"], str)
    assert len(dep["stop_date_time"]["departure_date_time"]) == 15  # YYYYMMDDThhmmss
    vj = [link["id"] for link in dep["links"] if link["type"] == "vehicle_journey"]
    assert vj and vj[0].startswith("vehicle_journey:SNCF:")
    assert {link.get("type") for link in body["links"]} >= {"first", "departures"}


def test_every_terminus_answers_with_its_networks(fetch: Fetch) -> None:
    networks = set()
    for uic in TERMINI:
        path = f"/v1/coverage/sncf/stop_areas/stop_area:SNCF:{uic}/departures"
        body = fetch(path, headers=AUTH, count=200).json()
        assert body["departures"], uic
        networks |= {d["display_informations"]["network"] for d in body["departures"]}
        assert all(
            d["stop_point"]["stop_area"]["id"] == f"stop_area:SNCF:{uic}"
            for d in body["departures"]
        )
    assert {"TGV INOUI", "OUIGO", "Transilien", "RER", "Intercités"} <= networks


def _journeys(body: dict[str, Any]) -> list[str]:
    return [
        link["id"]
        for d in body["departures"]
        for link in d["links"]
        if link["type"] == "vehicle_journey"
    ]


def test_count_pagination_and_window(fetch: Fetch) -> None:
    first = fetch(LYON, headers=AUTH).json()
    assert first["pagination"]["items_per_page"] == 10
    assert len(first["departures"]) == 10
    total = first["pagination"]["total_result"]
    assert total > 100  # a day of departures
    second = fetch(LYON, headers=AUTH, start_page=1).json()
    assert not set(_journeys(first)) & set(_journeys(second))
    times = [d["stop_date_time"]["departure_date_time"] for d in first["departures"]]
    assert times == sorted(times)
    assert fetch(LYON, headers=AUTH, count=1001).status == 400
    assert len(fetch(LYON, headers=AUTH, count=1000).json()["departures"]) == total
    short = fetch(LYON, headers=AUTH, duration=3600).json()
    assert short["pagination"]["total_result"] < total
    later = fetch(LYON, headers=AUTH, from_datetime="20251105T080000").json()
    assert later["departures"][0]["stop_date_time"]["departure_date_time"] >= "20251105T080000"
    assert fetch(LYON, headers=AUTH, from_datetime="tomorrow").status == 400
    out = fetch(LYON, headers=AUTH, from_datetime="20300101T000000")
    assert out.status == 404
    assert out.json()["error"]["id"] == "date_out_of_bounds"


def test_realtime_delays_and_base_schedule(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.set_clock("2025-11-05T07:30:00Z")  # morning peak, Paris time 08:30
    realtime = fetch(LYON, headers=AUTH, count=60).json()
    delayed = [
        d
        for d in realtime["departures"]
        # an added train has no base time (tests/upstream/test_navitia_cancellations.py)
        if d["stop_date_time"].get("base_departure_date_time")
        not in (None, d["stop_date_time"]["departure_date_time"])
    ]
    assert delayed
    assert all(d["stop_date_time"]["data_freshness"] == "realtime" for d in delayed)
    assert realtime["disruptions"]
    base = fetch(LYON, headers=AUTH, count=60, data_freshness="base_schedule").json()
    assert all(
        d["stop_date_time"]["departure_date_time"]
        == d["stop_date_time"]["base_departure_date_time"]
        for d in base["departures"]
    )
    assert {d["stop_date_time"]["data_freshness"] for d in base["departures"]} == {"base_schedule"}


def test_departures_move_with_the_clock(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.set_clock("2025-11-05T13:00:00Z")
    before = fetch(LYON, headers=AUTH).json()["departures"]
    replay_upstream.advance(hours=2)
    after = fetch(LYON, headers=AUTH).json()["departures"]
    assert before[0]["links"][2]["id"] != after[0]["links"][2]["id"]
    assert (
        after[0]["stop_date_time"]["departure_date_time"]
        > before[-1]["stop_date_time"]["departure_date_time"]
    )
