"""Fault injection and the request log."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import aiohttp
import pytest

from replay_upstream.faults import STREAM_INTERRUPTED

from .helpers import TRAFFIC, Fetch, Replay

LYON = "/v1/coverage/sncf/stop_areas/stop_area:SNCF:87686006/departures"
HOUR = "t_1h = date'2025-11-04T22:00:00'"


def test_status_fault_for_n_requests(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("status", match="/records", status=500, times=2)
    assert fetch(f"{TRAFFIC}/records").status == 500
    assert fetch(f"{TRAFFIC}/records").status == 500
    assert fetch(f"{TRAFFIC}/records").status == 200
    assert fetch(TRAFFIC).status == 200  # does not match
    assert replay_upstream.faults()[0]["hits"] == 2


def test_gateway_errors_are_html(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("status", status=502, times=1)
    answer = fetch(f"{TRAFFIC}/records")
    assert answer.status == 502
    assert answer.headers["Content-Type"].startswith("text/html")
    assert b"502 Bad Gateway" in answer.body


def test_quota_fault_has_the_ods_quota_body(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("quota", match="comptages", times=1)
    answer = fetch(f"{TRAFFIC}/records")
    assert answer.status == 429
    body = answer.json()
    assert set(body) == {"errorcode", "reset_time", "limit_time_unit", "call_limit", "error"}
    assert body["errorcode"] == 10002
    assert body["limit_time_unit"] == "day"
    assert body["error"].startswith("Too many requests on the domain.")
    reset = datetime.fromisoformat(body["reset_time"].replace("Z", "+00:00"))
    assert reset > datetime.now(UTC)
    replay_upstream.fault("quota", times=1, retry_after=3)
    soon = datetime.fromisoformat(fetch(f"{TRAFFIC}/records").json()["reset_time"][:-1] + "+00:00")
    assert (soon - datetime.now(UTC)).total_seconds() < 5
    replay_upstream.fault("quota", match="/v1/", times=1)
    assert fetch(LYON, headers={"Authorization": "t"}).status == 429


def test_retry_after_fault(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("retry_after", retry_after=7, times=1)
    answer = fetch(f"{TRAFFIC}/records")
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "7"
    replay_upstream.fault("retry_after", status=429, times=1)
    assert fetch(f"{TRAFFIC}/records").headers["Retry-After"] == "2"


def test_not_found_and_empty(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("not_found", match="places-disponibles", times=1)
    answer = fetch("/api/explore/v2.1/catalog/datasets/places-disponibles-parkings-saemes/records")
    assert answer.status == 404
    assert answer.json()["error_code"] == "NotFound"
    replay_upstream.fault("not_found", match="/v1/", times=1)
    gone = fetch(LYON, headers={"Authorization": "t"})
    assert gone.status == 404
    assert gone.json()["error"]["id"] == "unknown_object"
    replay_upstream.fault("empty", times=3)
    assert fetch(f"{TRAFFIC}/records").json() == {"total_count": 0, "results": []}
    assert fetch(f"{TRAFFIC}/exports/json", where=HOUR).json() == []
    assert fetch(LYON, headers={"Authorization": "t"}).json()["departures"] == []


def test_drop_and_add_field(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.fault("drop_field", field="q", times=1)
    rows = fetch(f"{TRAFFIC}/exports/json", where=HOUR).json()
    assert all("q" not in row for row in rows)
    replay_upstream.fault("add_field", field="vitesse", value=42, times=1)
    assert fetch(f"{TRAFFIC}/records").json()["results"][0]["vitesse"] == 42
    replay_upstream.fault("drop_field", field="stop_date_time.base_departure_date_time", times=1)
    dep = fetch(LYON, headers={"Authorization": "t"}).json()["departures"][0]
    assert "base_departure_date_time" not in dep["stop_date_time"]
    assert "departure_date_time" in dep["stop_date_time"]
    replay_upstream.fault("drop_field", field="metas.default.data_processed", times=1)
    assert "data_processed" not in fetch(TRAFFIC).json()["metas"]["default"]
    # Shared rows are never mutated: the next answer is whole again.
    assert "q" in fetch(f"{TRAFFIC}/records").json()["results"][1]
    assert "data_processed" in fetch(TRAFFIC).json()["metas"]["default"]


def test_truncated_export_ends_like_the_real_streaming_failure(
    replay_upstream: Replay, fetch: Fetch
) -> None:
    full = fetch(f"{TRAFFIC}/exports/json", where=HOUR)
    replay_upstream.fault("truncate", match="/exports/", times=1)
    broken = fetch(f"{TRAFFIC}/exports/json", where=HOUR)
    assert broken.status == 200
    assert broken.body.startswith(b"[{")
    assert broken.body.rstrip().endswith(STREAM_INTERRUPTED.encode())
    assert 0.3 * len(full.body) < len(broken.body) < 0.7 * len(full.body)
    with pytest.raises(ValueError, match="Expecting"):
        broken.json()


async def test_cut_export_breaks_the_connection(replay_upstream: Replay) -> None:
    replay_upstream.fault("truncate", match="/exports/", mode="cut", fraction=0.3, times=1)
    url = f"{replay_upstream.url}{TRAFFIC}/exports/json"
    async with aiohttp.ClientSession() as session:
        async with session.get(url, params={"where": HOUR}) as response:
            assert response.status == 200
            with pytest.raises(aiohttp.ClientPayloadError):
                await response.read()
        async with session.get(url, params={"where": HOUR}) as response:
            assert len(await response.json()) == 2977


async def test_truncated_json_answer_breaks_off(replay_upstream: Replay) -> None:
    replay_upstream.fault("truncate", match="/records", times=1)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientPayloadError):
            async with session.get(f"{replay_upstream.url}{TRAFFIC}/records") as response:
                await response.read()


async def test_hang_makes_clients_time_out(replay_upstream: Replay) -> None:
    replay_upstream.fault("hang", match="/records", times=1)
    timeout = aiohttp.ClientTimeout(total=0.5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with session.get(f"{replay_upstream.url}{TRAFFIC}/records") as response:
                await response.read()
        assert time.monotonic() - started < 2
        replay_upstream.fault("slow", match="/records", delay=0.2, times=1)
        async with session.get(f"{replay_upstream.url}{TRAFFIC}/records") as response:
            assert response.status == 200


def test_request_log_counts_requests_and_bytes(replay_upstream: Replay, fetch: Fetch) -> None:
    answer = fetch(f"{TRAFFIC}/exports/json", where=HOUR)
    fetch(f"{TRAFFIC}/records", limit=5)
    fetch(LYON)
    assert replay_upstream.request_count() == 3
    assert replay_upstream.request_count(match="/exports/") == 1
    assert replay_upstream.bytes_sent(match="/exports/") == len(answer.body)
    log = replay_upstream.requests()
    assert [entry["status"] for entry in log] == [200, 200, 401]
    assert log[0]["path"] == f"{TRAFFIC}/exports/json"
    assert "t_1h" in log[0]["query"]
    assert log[1]["query"] == "limit=5"
    replay_upstream.clear_requests()
    assert replay_upstream.request_count() == 0


def test_faults_admin(replay_upstream: Replay, fetch: Fetch) -> None:
    ident = replay_upstream.fault("status", match="/records", status=500)
    assert fetch(f"{TRAFFIC}/records").status == 500
    assert replay_upstream.requests()[-1]["fault"] == "status"
    replay_upstream.remove_fault(ident)
    assert fetch(f"{TRAFFIC}/records").status == 200
    replay_upstream.fault("status", status=500)
    replay_upstream.clear_faults()
    assert fetch(f"{TRAFFIC}/records").status == 200
    with pytest.raises(ValueError, match="kind"):
        replay_upstream.fault("explode")
    with pytest.raises(ValueError, match="field"):
        replay_upstream.fault("drop_field")
