"""The replay upstream's Vélib' GBFS feeds: real paths, Vélib's envelope, moving counts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely

from replay_upstream import gbfs, places, velib_data
from replay_upstream.pytest_plugin import TEST_START

from .helpers import Fetch, Replay

BASE = "/opendata/Velib_Metropole"


def rows(answer: Any) -> list[dict[str, Any]]:
    return list(answer.json()["data"]["stations"])


def test_discovery_lists_both_feeds_on_this_server(replay_upstream: Replay, fetch: Fetch) -> None:
    answer = fetch(f"{BASE}/gbfs.json")
    assert answer.status == 200
    body = answer.json()
    assert body["lastUpdatedOther"] == int(TEST_START.timestamp())
    feeds = {f["name"]: f["url"] for f in body["data"]["fr"]["feeds"]}
    assert feeds == {
        "station_information": f"{replay_upstream.url}{BASE}/station_information.json",
        "station_status": f"{replay_upstream.url}{BASE}/station_status.json",
    }
    assert gbfs.url(replay_upstream.url) == f"{replay_upstream.url}{BASE}/gbfs.json"
    env = replay_upstream.env()
    assert env["PARIS_SOURCES__VELIB__GBFS_URL"] == gbfs.url(replay_upstream.url)


def test_information_has_stations_in_paris_and_around(fetch: Fetch) -> None:
    answer = fetch(f"{BASE}/station_information.json")
    assert answer.headers["Content-Type"].startswith("application/json")
    info = rows(answer)
    assert 1_300 <= len(info) <= 1_500
    assert len({s["station_id"] for s in info}) == len(info)
    assert all(isinstance(s["station_id"], int) and s["station_id"] > 10**7 for s in info)
    assert all(isinstance(s["stationCode"], str) and s["capacity"] > 0 for s in info)
    inside = sum(places.is_in_paris(s["lon"], s["lat"]) for s in info)
    assert 900 <= inside <= 1_100
    assert len(info) - inside >= 300  # the communes around Paris
    assert any("rental_methods" in s for s in info)
    assert answer.json()["ttl"] == 3600


def test_status_is_consistent_and_has_the_quirks(fetch: Fetch) -> None:
    info = {s["station_id"]: s for s in rows(fetch(f"{BASE}/station_information.json"))}
    body = fetch(f"{BASE}/station_status.json").json()
    now = int(TEST_START.timestamp())
    assert (body["lastUpdatedOther"], body["ttl"]) == (now, 60)
    status = body["data"]["stations"]
    missing = [s for s in status if s["station_id"] not in info]
    assert len(missing) == 1  # in the status feed, not in the information feed
    for s in status:
        assert s["num_bikes_available"] == s["numBikesAvailable"]
        assert s["num_docks_available"] == s["numDocksAvailable"]
        (mech,), (ebike,) = (t.values() for t in s["num_bikes_available_types"])
        assert mech + ebike == s["num_bikes_available"]
        assert s["is_installed"] in (0, 1) and s["last_reported"] <= now
        if s["station_id"] in info and s["num_docks_available"] >= 0:
            assert (
                s["num_bikes_available"] + s["num_docks_available"]
                <= info[s["station_id"]]["capacity"]
            )
    assert any(s["is_installed"] == 0 for s in status)
    assert any(now - s["last_reported"] > 2 * 3600 for s in status if s["last_reported"])
    assert sum(s["num_bikes_available"] for s in status) > 10_000


def test_counts_move_with_the_replay_clock(replay_upstream: Replay, fetch: Fetch) -> None:
    first = {s["station_id"]: s for s in rows(fetch(f"{BASE}/station_status.json"))}
    assert {s["station_id"]: s for s in rows(fetch(f"{BASE}/station_status.json"))} == first
    replay_upstream.advance(hours=9)  # 23:30 -> 08:30 Paris: home stations empty
    later = {s["station_id"]: s for s in rows(fetch(f"{BASE}/station_status.json"))}
    changed = sum(first[k]["num_bikes_available"] != later[k]["num_bikes_available"] for k in first)
    assert changed > len(first) // 2
    assert fetch(f"{BASE}/station_status.json").json()["lastUpdatedOther"] == int(
        (TEST_START + timedelta(hours=9)).timestamp()
    )


def test_quirks_occur_now_and_then_and_are_deterministic() -> None:
    flags: Counter[str] = Counter()
    for minute in range(30):
        now = TEST_START + timedelta(minutes=minute)
        status = velib_data.status(0, now)["data"]["stations"]
        flags["negative"] += sum(s["num_docks_available"] < 0 for s in status)
        flags["epoch"] += sum(s["last_reported"] == 0 for s in status)
    assert flags["negative"] > 0 and flags["epoch"] > 0
    assert flags["negative"] < 30 * 14  # now and then, not everywhere
    again = datetime(2025, 11, 4, 22, 31, tzinfo=UTC)
    assert velib_data.status(0, again) == velib_data.status(0, again)
    assert velib_data.stations(0) != velib_data.stations(1)


def test_stations_lie_where_their_code_says() -> None:
    for s in velib_data.stations(0)[:200]:
        number = int(s.code[:-3])
        assert shapely.contains_xy(places.polygons()[number], s.lon, s.lat), s


def test_faults_apply_to_the_feeds(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("status", match="station_status", status=503, times=1)
    assert fetch(f"{BASE}/station_status.json").status == 503
    assert fetch(f"{BASE}/station_status.json").status == 200
    assert replay_upstream.request_count(match="station_status") == 2
