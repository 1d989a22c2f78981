"""A run that stored nothing where the upstream said there was something is not a success,
and no bad timestamp moves a watermark, a latest view or a freshness into the future.

Against the replay upstream, with the real CLI (``once``, ``status``) and the daemon's
``/metrics``: each case ends with the hour it concerns fully in silver.
"""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime

import pytest

from collector import keys

from .helpers import (
    GARE_DE_LYON,
    GARE_DU_NORD,
    Collector,
    Replay,
    free_port,
    published_hour,
    silver_keys,
    traffic_keys,
)

N_ARCS = 2977
EXPORTS = "/exports/json"


def once_traffic(collector: Collector) -> int:
    return collector.cli("once", "traffic").returncode


def assert_hours_complete(collector: Collector, replay: Replay, first: datetime) -> None:
    """Every arc of every hour from ``first`` to the newest published one, exactly once."""
    stored = silver_keys(collector.silver("traffic"))
    assert len(stored) == len(set(stored)), "a silver row is duplicated"
    assert traffic_keys(replay, first, published_hour(replay)) <= set(stored)


def test_an_empty_export_fails_and_the_hour_lands_on_the_retry(
    collector: Collector, replay_upstream: Replay
) -> None:
    collector.sources["traffic"]["enabled"] = True
    assert once_traffic(collector) == 0
    watermark = collector.state("traffic")["plugin"]["watermark"]
    replay_upstream.advance(hours=1)
    new_hour = published_hour(replay_upstream)

    # The export answers no row at all (the replay's phantom row included) for the new hour.
    replay_upstream.fault("empty", match=EXPORTS, times=1)
    assert once_traffic(collector) == 1
    state = collector.state("traffic")
    assert state["last_status"] == "failed"
    assert "held no row" in state["last_error"]
    assert state["plugin"]["watermark"] == watermark  # the hour will be asked again

    assert once_traffic(collector) == 0
    state = collector.state("traffic")
    assert state["last_status"] == "ok" and state["records_last_run"] == N_ARCS
    assert state["plugin"]["watermark"] == new_hour.isoformat()
    assert_hours_complete(collector, replay_upstream, new_hour)


def test_a_payload_of_only_invalid_rows_is_missing_not_ok(
    collector: Collector, replay_upstream: Replay
) -> None:
    collector.sources["traffic"]["enabled"] = True
    assert once_traffic(collector) == 0
    watermark = collector.state("traffic")["plugin"]["watermark"]
    replay_upstream.advance(hours=1)
    new_hour = published_hour(replay_upstream)
    # Every row of the new hour carries an unreadable occupancy: nothing valid lands.
    fault = replay_upstream.fault("add_field", match=EXPORTS, field="k", value="n/a")
    result = collector.cli("once", "traffic")
    assert result.returncode == 1
    state = collector.state("traffic")
    assert state["last_status"] == "missing"
    assert f"no valid record ({N_ARCS} set aside)" in state["last_error"]
    assert state["plugin"]["watermark"] == watermark
    assert "missing" in collector.cli("status").stdout

    replay_upstream.remove_fault(fault)
    assert once_traffic(collector) == 0
    assert collector.state("traffic")["plugin"]["watermark"] == new_hour.isoformat()
    assert_hours_complete(collector, replay_upstream, new_hour)


def test_a_row_from_2099_is_set_aside_and_later_hours_still_land(
    collector: Collector, replay_upstream: Replay
) -> None:
    collector.sources["traffic"]["enabled"] = True
    first = published_hour(replay_upstream)
    replay_upstream.fault(
        "extra_row", match=EXPORTS, times=1, value={"t_1h": "2099-01-01T00:00:00+00:00"}
    )
    assert once_traffic(collector) == 0
    state = collector.state("traffic")
    assert state["plugin"]["watermark"] == first.isoformat()
    assert state["data_freshness"] <= keys.ts(datetime.now(UTC))
    reasons = [r.reason for r in collector.rejects("traffic")]
    assert any("2099" in reason and "after the hours asked for" in reason for reason in reasons)

    for _ in range(2):
        replay_upstream.advance(hours=1)
        assert once_traffic(collector) == 0
    assert collector.state("traffic")["plugin"]["watermark"] == (
        published_hour(replay_upstream).isoformat()
    )
    assert_hours_complete(collector, replay_upstream, first)
    assert not any(r["observed_at"].startswith("2099") for r in collector.silver("traffic"))


@pytest.mark.parametrize(
    "t_1h", ["0999-01-01T00:00:00+00:00", "0001-01-01T00:00:00+01:00"], ids=["y999", "y1"]
)
def test_years_out_of_range_are_set_aside_and_nothing_breaks(
    collector: Collector, replay_upstream: Replay, t_1h: str
) -> None:
    collector.sources["traffic"]["enabled"] = True
    first = published_hour(replay_upstream)
    replay_upstream.fault("extra_row", match=EXPORTS, times=1, value={"t_1h": t_1h})
    result = collector.cli("once", "traffic")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    [reject] = [r for r in collector.rejects("traffic") if t_1h[:10] in str(r.data)]
    assert reject.reason.startswith("observed_at: ")
    assert_hours_complete(collector, replay_upstream, first)

    status = collector.cli("status")
    assert status.returncode == 0 and "Traceback" not in status.stderr
    assert collector.cli("status", "--json").returncode == 0

    # The daemon's /metrics answers over the same store.
    port = free_port()
    daemon = collector.start(PARIS_HEALTH_PORT=str(port))
    daemon.wait_event("run", "traffic", timeout=60)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        assert answer.status == 200
        text = answer.read().decode()
    [line] = [x for x in text.splitlines() if x.startswith("paris_source_data_freshness")]
    assert float(line.split()[-1]) >= 0
    assert daemon.terminate() == 0


def test_departures_that_answer_empty_boards_are_an_empty_run_not_ok(
    collector: Collector, replay_upstream: Replay
) -> None:
    collector.sources["departures"]["enabled"] = True
    fault = replay_upstream.fault("empty", match="/departures")
    daemon = collector.start(PARIS_HEALTH_PORT=str(port := free_port()))
    warned = daemon.wait_event("run stored no record", "departures", timeout=60)
    assert warned["status"] == "empty" and warned["written"] == 0
    # Said once, not on every run of the night.
    daemon.wait(lambda: len(daemon.events("run", "departures")) >= 2, "two more empty runs")
    assert len(daemon.events("run stored no record", "departures")) == 1
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    assert 'paris_source_runs_total{source="departures",status="empty"}' in text
    assert collector.state("departures")["last_status"] == "empty"

    replay_upstream.remove_fault(fault)
    daemon.wait_event("run", "departures", where=lambda x: x["written"] > 0, timeout=60)
    assert daemon.terminate() == 0
    stations = {r["stop_area_id"] for r in collector.silver("departures")}
    assert stations == {GARE_DE_LYON, GARE_DU_NORD}
