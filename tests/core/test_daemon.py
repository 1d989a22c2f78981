"""The daemon as an operator runs it: a real process, real signals, JSON logs."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from collector.storage.local import LocalReader
from tests.core.conftest import CLOSED, Daemon, Upstream


def test_no_network_one_error_per_source_then_sigterm_exits_0(
    start_daemon: Callable[[dict[str, str]], Daemon], tmp_path: Path
) -> None:
    daemon = start_daemon({"PARIS_SOURCES__COUNTER__URL": CLOSED})
    failing = {"traffic", "parking", "velib", "counter"}

    def all_failed_and_counter_retried(lines: list[dict[str, Any]]) -> bool:
        errors = {line["source"] for line in lines if line.get("event") == "source failing"}
        retried = any(
            line.get("event") == "source still failing" and line["source"] == "counter"
            for line in lines
        )
        return errors >= failing and retried

    daemon.read_until(all_failed_and_counter_retried, timeout=30)
    errors = daemon.events("source failing")
    assert sorted(e["source"] for e in errors) == sorted(failing)  # one each, not one per run
    assert all(e["level"] == "error" and "cannot connect" in e["error"] for e in errors)
    assert all("Traceback" not in json.dumps(e) for e in errors)
    disabled = daemon.events("source disabled")
    assert [d["source"] for d in disabled] == ["departures"]
    assert "PARIS_SNCF_TOKEN" in disabled[0]["reason"]
    assert daemon.proc.poll() is None  # still running

    started = time.monotonic()
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 10
    daemon.read_until(lambda lines: bool(daemon.events("daemon stopped")), timeout=5)
    # What the daemon runs, and why not, is recorded for the readers (the API's /sources).
    states = LocalReader(tmp_path / "data").states()
    assert states["traffic"]["enabled"] is True
    assert states["departures"]["enabled"] is False
    assert "PARIS_SNCF_TOKEN" in states["departures"]["disabled_reason"]


def test_sigterm_drains_a_slow_run(
    start_daemon: Callable[[dict[str, str]], Daemon], upstream_in_thread: Upstream
) -> None:
    upstream_in_thread.rows = [{"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1}]
    upstream_in_thread.delay = 1.5
    daemon = start_daemon(
        {
            "PARIS_SOURCES__COUNTER__URL": upstream_in_thread.url,
            "PARIS_SOURCES__COUNTER__INTERVAL": "60",
            "PARIS_SOURCES__TRAFFIC__ENABLED": "false",
            "PARIS_SOURCES__PARKING__ENABLED": "false",
        }
    )
    daemon.read_until(lambda lines: bool(daemon.events("daemon started")), timeout=20)
    deadline = time.monotonic() + 10
    while upstream_in_thread.hits == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    daemon.proc.send_signal(signal.SIGTERM)  # the fetch is in flight: it must be drained
    assert daemon.proc.wait(timeout=10) == 0
    daemon.read_until(lambda lines: bool(daemon.events("daemon stopped")), timeout=5)
    [run] = [line for line in daemon.lines if line.get("event") == "run"]
    assert (run["source"], run["status"], run["written"]) == ("counter", "ok", 1)
    assert daemon.events("daemon stopped")[0]["done"] == 1
