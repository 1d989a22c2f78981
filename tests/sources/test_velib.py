"""Vélib': fetch against the replay upstream's GBFS feeds (information kept in state,
discovery fallback, failures), and parse of the whole replayed network."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fake_upstream import context
from structlog.testing import capture_logs

from collector.http import HttpClient
from collector.plugin import Fetched, SourceError
from collector.settings import Settings
from replay_upstream import gbfs
from replay_upstream.pytest_plugin import TEST_START, Replay
from sources.velib import SOURCE
from sources.velib.records import VelibStation
from sources.velib.settings import VelibSettings

NOW = TEST_START


def settings(replay: Replay, **values: Any) -> VelibSettings:
    return VelibSettings(gbfs_url=gbfs.url(replay.url), **values)


async def tick(
    http: HttpClient, source_settings: VelibSettings, state: dict[str, str], minutes: float = 0
) -> Fetched:
    app = Settings(_env_file=None)  # type: ignore[call-arg]
    ctx = context(http, app, source_settings, state=state, now=NOW + timedelta(minutes=minutes))
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    return fetched


def stations(payload: bytes) -> dict[str, VelibStation]:
    return {r.entity_id: r for r in SOURCE.parse(payload) if isinstance(r, VelibStation)}


async def test_first_run_discovers_then_keeps_the_information(
    replay_upstream: Replay, http: HttpClient
) -> None:
    first = await tick(http, settings(replay_upstream), {})
    paths = [r["path"].rsplit("/", 1)[-1] for r in replay_upstream.requests()]
    assert paths == ["gbfs.json", "station_information.json", "station_status.json"]
    assert first.expect_records and first.meta == {"stations": "1410"}
    bundle = orjson.loads(first.payload)
    assert bundle["information_at"] == NOW.isoformat()
    assert len(bundle["status"]["data"]["stations"]) == 1410
    assert orjson.loads(first.state["information"]) == bundle["information"]
    got = stations(first.payload)
    assert len(got) == 1410
    zones = Counter(r.zone for r in got.values())
    assert zones["outside Paris"] == 410 and zones["unknown"] == 1
    assert sum(zones[z] for z in zones if z.startswith("Paris ")) == 999
    assert sum(r.bikes_available or 0 for r in got.values()) > 10_000

    replay_upstream.clear_requests()
    later = await tick(http, settings(replay_upstream), dict(first.state), minutes=1)
    assert [r["path"] for r in replay_upstream.requests()] == [f"{gbfs.BASE}/station_status.json"]
    assert orjson.loads(later.payload)["information"] == bundle["information"]


async def test_information_is_refreshed_when_old_and_kept_when_the_refresh_fails(
    replay_upstream: Replay, http: HttpClient
) -> None:
    config = settings(replay_upstream, information_refresh_hours=1)
    first = await tick(http, config, {})
    replay_upstream.clear_requests()
    replay_upstream.fault("status", match="station_information", status=500, times=1)
    with capture_logs() as logs:
        kept = await tick(http, config, dict(first.state), minutes=61)
    assert kept.state["information_at"] == first.state["information_at"]
    assert any("refresh failed" in e["event"] for e in logs)
    assert len(stations(kept.payload)) == 1410
    refreshed = await tick(http, config, dict(kept.state), minutes=62)
    assert refreshed.state["information_at"] == (NOW + timedelta(minutes=62)).isoformat()


async def test_discovery_failure_falls_back_to_the_feeds_beside_it(
    replay_upstream: Replay, http: HttpClient
) -> None:
    replay_upstream.fault("status", match="gbfs.json", status=404, times=1)
    with capture_logs() as logs:
        fetched = await tick(http, settings(replay_upstream), {})
    assert any("discovery failed" in e["event"] for e in logs)
    assert fetched.state["status_url"] == f"{replay_upstream.url}{gbfs.BASE}/station_status.json"
    assert len(stations(fetched.payload)) == 1410


async def test_failures_without_a_saved_copy_fail_the_run(
    replay_upstream: Replay, http: HttpClient
) -> None:
    replay_upstream.fault("status", match="station_information", status=503, times=1)
    with pytest.raises(SourceError):
        await tick(http, settings(replay_upstream), {})
    first = await tick(http, settings(replay_upstream), {})
    replay_upstream.fault("status", match="station_status", status=502, times=1)
    with pytest.raises(SourceError):
        await tick(http, settings(replay_upstream), dict(first.state), minutes=1)
    replay_upstream.fault("echo_credential", match="station_status", status=200, times=1)
    with pytest.raises(SourceError, match="not a GBFS station feed"):
        await tick(http, settings(replay_upstream), dict(first.state), minutes=2)


async def test_an_empty_status_feed_parses_to_nothing() -> None:
    payload = orjson.dumps(
        {
            "fetched_at": NOW.isoformat(),
            "information_at": NOW.isoformat(),
            "information": {"data": {"stations": []}},
            "status": {"lastUpdatedOther": int(NOW.timestamp()), "data": {"stations": []}},
        }
    )
    assert list(SOURCE.parse(payload)) == []
    with pytest.raises(ValueError, match="not a Vélib' bundle"):
        list(SOURCE.parse(b'{"status": []}'))


def test_default_url_is_the_publishers() -> None:
    assert VelibSettings().gbfs_url == (
        "https://velib-metropole-opendata.smovengo.cloud/opendata/Velib_Metropole/gbfs.json"
    )
    assert SOURCE.interval == timedelta(seconds=60)
    assert SOURCE.datasets() == ("velib",)
