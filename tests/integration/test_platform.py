"""Issues' "Show" items, end to end: once, again, disabled departures, aggregate twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.cli import main
from collector.storage.local import LocalReader
from replay_upstream.pytest_plugin import Replay

SOURCES = ("traffic", "parking", "departures")
BUSY_HOUR = datetime(2025, 11, 4, 17, 30, tzinfo=UTC)  # 18:30 in Paris, a Tuesday
ANALYTICS = (
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


def bronze_count(data: Path, source: str) -> int:
    return len(list((data / "bronze" / "raw" / source).rglob("*.json.gz")))


def silver_count(data: Path, dataset: str) -> int:
    reader = LocalReader(data)
    row = reader.conn.execute("SELECT count(*) FROM silver WHERE dataset = ?", (dataset,))
    count: int = row.fetchone()[0]
    reader.close()
    return count


def test_plugins_lists_the_three_sources(
    platform: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    platform()
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    for name in (*SOURCES, *ANALYTICS):
        assert name in out


def test_once_then_again_with_no_new_traffic_hour(
    platform: Callable[..., Path], replay_upstream: Replay
) -> None:
    data = platform(clock=BUSY_HOUR)
    assert main(["once", *SOURCES]) == 0
    for source in SOURCES:
        assert bronze_count(data, source) == 1, source
    traffic_rows = silver_count(data, "traffic")
    assert traffic_rows > 2900  # the backfilled hours of ~2,977 arcs each
    assert silver_count(data, "parking") > 100
    assert silver_count(data, "departures") > 10
    arcs = LocalReader(data).latest("traffic.arcs")
    assert len(arcs) > 2900 and any(a["geometry"] for a in arcs)

    replay_upstream.clear_requests()
    assert main(["once", "traffic"]) == 0
    traffic_requests = replay_upstream.requests("comptages-routiers-permanents")
    assert len(traffic_requests) == 1  # only the change check
    assert "max(t_1h)" in str(traffic_requests[0])
    assert replay_upstream.bytes_sent("comptages-routiers-permanents") <= 2048
    assert silver_count(data, "traffic") == traffic_rows
    assert bronze_count(data, "traffic") == 1

    replay_upstream.advance(hours=1)  # a new hour is published
    assert main(["once", "traffic"]) == 0
    assert silver_count(data, "traffic") > traffic_rows
    assert bronze_count(data, "traffic") == 2

    # replay rebuilds the same rows from bronze, and running it twice changes nothing
    before = silver_count(data, "traffic")
    assert main(["replay", "traffic"]) == 0
    assert silver_count(data, "traffic") == before


def test_without_token_departures_is_disabled_and_the_others_run(
    platform: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = platform(token=False)
    assert main(["plugins"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "departures" in x)
    assert "disabled" in line
    assert main(["once"]) == 0
    assert bronze_count(data, "traffic") == 1 and bronze_count(data, "parking") == 1
    assert not (data / "bronze" / "raw" / "departures").exists()
    assert main(["once", "departures"]) == 1  # asked for by name: a clear refusal


def test_once_then_aggregate_fills_all_ten_and_a_later_run_adds_a_point(
    platform: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = platform()
    for name in ANALYTICS:  # one-second windows, so a second run makes a second point
        monkeypatch.setenv(f"PARIS_AGGREGATIONS__{name.upper()}__INTERVAL", "1")
    # At rush hour (the replay moves with the real clock) more than the default 100 arcs are
    # critical and the result says it cut its lists: room for all, so no note is expected.
    monkeypatch.setenv("PARIS_AGGREGATIONS__TRAFFIC_CRITICAL_SEGMENTS__MAX_SEGMENTS", "1000")
    assert main(["once"]) == 0
    assert main(["aggregate"]) == 0
    time.sleep(1.1)
    assert main(["aggregate"]) == 0
    reader = LocalReader(data)
    for name in ANALYTICS:
        page = reader.gold(name, "", "~", limit=10)
        assert len(page.items) == 2, name
        latest = page.items[0]["data"]
        note = latest.get("note") or ""
        if not name.startswith("departures") and not note.startswith("lists cut to"):
            assert not note, (name, note)
    assert reader.gold_latest("overall_occupancy_rate")["data"]["occupancy_rate"] is not None
    index = reader.gold_latest("traffic_congestion_index")["data"]["congestion_index"]
    assert 0 <= index <= 100
    # At night no train may be due in the window: then the result says so.
    for name in ("departures_total", "departures_by_network", "departures_top_destinations"):
        point = reader.gold_latest(name)["data"]
        assert point["departures"] > 0 or point["note"], name
