"""``/parkings/{id}/history`` and ``/traffic/{arc_id}/history``: one entity over time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_testkit import HOURS, NOW, World, get, ts

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("path", "key"),
    [("/parkings/1/history", "parking#1"), ("/traffic/6228/history", "traffic#6228")],
)
def test_history_is_newest_first(api: Any, world: World, path: str, key: str) -> None:
    status, body, _ = get(api, path)
    assert status == 200
    assert [r["observed_at"] for r in body["data"]] == world.history[key]
    assert len(body["data"]) == HOURS
    assert body["meta"]["observed_at"] == ts(NOW)
    assert body["meta"]["next"] is None


def test_history_time_range_is_inclusive(api: Any) -> None:
    since, until = ts(NOW - timedelta(hours=5)), ts(NOW - timedelta(hours=2))
    status, body, _ = get(api, f"/parkings/1/history?since={since}&until={until}")
    assert status == 200
    assert [r["observed_at"] for r in body["data"]] == [
        ts(NOW - timedelta(hours=h)) for h in (2, 3, 4, 5)
    ]
    assert [r["free_places"] for r in body["data"]] == [185, 184, 183, 182]


def test_history_accepts_dates_and_offsets(api: Any) -> None:
    local = (NOW - timedelta(hours=3)).astimezone().isoformat()
    body = get(api, f"/traffic/6228/history?until={local.replace('+', '%2B')}")[1]
    assert body["data"][0]["observed_at"] == ts(NOW - timedelta(hours=3))
    # A bare date is a Paris day (tests/api/test_api_params_time.py has the details).
    day = (NOW - timedelta(hours=1)).astimezone(PARIS).date()
    start = datetime.combine(day, time(), PARIS)
    body = get(api, f"/traffic/6228/history?since={day.isoformat()}&limit=1000")[1]
    assert body["data"][-1]["observed_at"] == ts(max(start, NOW - timedelta(hours=HOURS - 1)))


@pytest.mark.parametrize("path", ["/parkings/1/history", "/traffic/4243/history"])
def test_history_pages_follow_next(api: Any, world: World, path: str) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = "?limit=7" + (f"&next={token}" if token else "")
        status, body, _ = get(api, path + query)
        assert status == 200, body
        seen += [r["observed_at"] for r in body["data"]]
        pages += 1
        token = body["meta"]["next"]
        if token is None:
            break
    key = "parking#1" if "parkings" in path else "traffic#4243"
    assert seen == world.history[key]
    assert pages == 5


def test_car_park_without_live_count_has_one_record(api: Any) -> None:
    body = get(api, "/parkings/2/history")[1]
    assert len(body["data"]) == 1 and body["data"][0]["availability"] == "unknown"


def test_known_id_with_nothing_in_range_is_empty(api: Any) -> None:
    status, body, _ = get(api, "/parkings/1/history?since=2100-01-01")
    assert (status, body["data"], body["meta"]["count"]) == (200, [], 0)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/parkings/999/history", "id"),
        ("/parkings/999/history?since=2000-01-01", "id"),
        ("/parkings/latest/history", "id"),
        ("/parkings/1%231/history", "id"),
        ("/parkings/6228/history", "id"),
        ("/traffic/nope/history", "arc_id"),
        ("/traffic/1/history", "arc_id"),
        ("/traffic/%C3%A9t%C3%A9/history", "arc_id"),
    ],
)
def test_unknown_id_is_404(api: Any, path: str, parameter: str) -> None:
    status, body, headers = get(api, path)
    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert body["error"]["parameter"] == parameter
    assert headers["Cache-Control"] == "no-store"
