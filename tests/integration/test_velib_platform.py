"""Vélib', the fourth built-in source, through the CLI against the replay upstream: listed,
collected, stable keys across polls, aggregated, rebuilt from bronze."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from collector.cli import main
from collector.storage.local import LocalReader
from replay_upstream.pytest_plugin import Replay
from tests.integration.test_api_on_collected_data import api_server, get
from tests.integration.test_platform import bronze_count, silver_count

__all__ = ["api_server"]  # the fixture, shared with the API test


def test_velib_is_collected_aggregated_and_replayed(
    platform: Callable[..., Path],
    replay_upstream: Replay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = platform()
    assert main(["plugins"]) == 0
    listed = capsys.readouterr().out
    assert "velib" in listed and "velib_availability" in listed

    assert main(["once", "velib"]) == 0
    assert bronze_count(data, "velib") == 1
    first = silver_count(data, "velib")
    assert 1_390 <= first <= 1_410  # every station; a 1970 clock may share the feed's time

    # Same replay minute: the same reports, the same keys, no new history row.
    assert main(["once", "velib"]) == 0
    assert bronze_count(data, "velib") == 2
    assert silver_count(data, "velib") == first
    assert len(replay_upstream.requests("station_information")) == 1  # kept in state

    replay_upstream.advance(600)
    assert main(["once", "velib"]) == 0
    moved = silver_count(data, "velib")
    assert moved > first + 1_000  # most stations reported again

    monkeypatch.setenv("PARIS_AGGREGATIONS__VELIB_AVAILABILITY__INTERVAL", "1")
    assert main(["aggregate", "velib_availability"]) == 0
    gold = LocalReader(data).gold_latest("velib_availability")["data"]
    assert gold["note"] is None
    # The few stations whose counts pass their capacity are flagged and left out, and said so.
    left_out = sum(gold["excluded"].values())
    assert gold["stations_total"] + left_out == 1410 and gold["in_service"] > 1_300
    assert gold["bikes_available"] == gold["mechanical_available"] + gold["ebike_available"]
    zones = [z["zone"] for z in gold["zones"]]
    assert zones[0] == "Paris 1er" and zones[-2:] == ["outside Paris", "unknown"]

    assert main(["replay", "velib"]) == 0
    assert silver_count(data, "velib") == moved


def test_the_api_serves_velib_with_no_api_code(api_server: str) -> None:
    status, sources = get(api_server, "/sources")
    velib = next(s for s in sources["data"] if s["name"] == "velib")
    assert velib["last_status"] == "ok" and velib["records_total"] >= 1_390
    status, doc = get(api_server, "/openapi.json")
    assert {"/datasets/velib", "/aggregation_velib_availability"} <= set(doc["paths"])
    status, page = get(api_server, "/datasets/velib?limit=5&zone=outside%20Paris")
    assert status == 200 and len(page["data"]) == 5
    assert {r["zone"] for r in page["data"]} == {"outside Paris"}
    station = page["data"][0]["entity_id"]
    status, history = get(api_server, f"/datasets/velib/{station}/history")
    assert status == 200 and history["data"][0]["entity_id"] == station
    status, gold = get(api_server, "/aggregation_velib_availability")
    point = gold["data"][0]["data"]
    assert status == 200 and point["stations_total"] + sum(point["excluded"].values()) == 1410
