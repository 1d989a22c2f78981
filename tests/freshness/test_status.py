"""``paris-collector status`` says stale when the data is older than its objective while the
runs succeed: the replay upstream stops publishing (its clock frozen days back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from collector import keys
from tests.faults.helpers import Collector, Replay


def _status(deployment: Collector, **env: str) -> dict[str, Any]:
    done = deployment.cli("status", "--json", **env)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = orjson.loads(done.stdout)
    return found


def _row(deployment: Collector, source: str, **env: str) -> list[str]:
    done = deployment.cli("status", **env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("objectives"))
    return next(line.split() for line in lines[start:] if line.startswith(source + " "))


def test_stale_while_every_run_succeeds_when_the_publisher_stops(
    deployment: Collector, replay_upstream: Replay
) -> None:
    # The publisher's last batch was four days ago and nothing came since.
    replay_upstream.set_clock(datetime.now(UTC) - timedelta(days=4))
    deployment.sources["traffic"]["enabled"] = True
    first = deployment.cli("once", "traffic")
    assert first.returncode == 0, first.stderr
    again = deployment.cli("once", "traffic")  # the change check: nothing new, a success
    assert again.returncode == 0, again.stderr

    doc = _status(deployment)
    state = doc["sources"]["traffic"]
    assert state["last_status"] == "unchanged"
    assert state["consecutive_failures"] == 0
    newest = replay_upstream.world.traffic.published_until()
    assert state["data_freshness"] == keys.ts(newest)
    judged = doc["objectives"]["traffic"]
    assert judged["verdict"] == "stale"
    assert judged["objective_s"] == timedelta(hours=60).total_seconds()
    age = (datetime.now(UTC) - newest).total_seconds()
    assert age - 60 <= judged["data_age_s"] <= age
    assert set(judged["complete_share"]) == {"24h", "7d"}
    assert all(v is None or 0.0 <= v <= 1.0 for v in judged["complete_share"].values())

    row = _row(deployment, "traffic")
    assert row[3] == "stale", row  # source, data age, objective, verdict
    assert row[2] == "2.5d", row

    # The same data within an objective the operator widened is fresh.
    wide = {"PARIS_SOURCES__TRAFFIC__FRESHNESS": str(7 * 86400)}
    widened = _status(deployment, **wide)["objectives"]["traffic"]
    assert (widened["verdict"], widened["objective_s"]) == ("fresh", 7 * 86400)
    assert _row(deployment, "traffic", **wide)[3] == "fresh"


def test_fresh_when_the_data_is_recent_and_unknown_before_any(
    deployment: Collector, replay_upstream: Replay
) -> None:
    deployment.sources["velib"]["enabled"] = True
    deployment.cli("init")
    before = _status(deployment)["objectives"]["velib"]
    assert (before["verdict"], before["data_age_s"]) == ("unknown", None)
    assert before["objective_s"] == timedelta(minutes=5).total_seconds()

    replay_upstream.set_clock(datetime.now(UTC))
    done = deployment.cli("once", "velib")
    assert done.returncode == 0, done.stderr
    judged = _status(deployment)["objectives"]["velib"]
    assert judged["verdict"] == "fresh"
    assert 0 <= judged["data_age_s"] <= judged["objective_s"]


def test_stale_when_the_upstream_serves_an_old_hour(
    deployment: Collector, replay_upstream: Replay
) -> None:
    replay_upstream.set_clock(datetime.now(UTC) - timedelta(hours=1))
    deployment.sources["velib"]["enabled"] = True
    done = deployment.cli("once", "velib")
    assert done.returncode == 0, done.stderr
    doc = _status(deployment)
    assert doc["sources"]["velib"]["last_status"] == "ok"
    judged = doc["objectives"]["velib"]
    assert judged["verdict"] == "stale"
    assert judged["data_age_s"] > judged["objective_s"]
    assert _row(deployment, "velib")[3] == "stale"
