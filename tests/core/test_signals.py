"""Signals and the host's timezone, on the real daemon process."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.core.conftest import Daemon, Upstream

ONLY_COUNTER = {
    "PARIS_SOURCES__COUNTER__INTERVAL": "60",
    "PARIS_SOURCES__TRAFFIC__ENABLED": "false",
    "PARIS_SOURCES__PARKING__ENABLED": "false",
    "PARIS_HEALTH_PORT": "0",
}


def wait_for_hits(upstream: Upstream, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while upstream.hits == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.hits, "the daemon never called the upstream"


def test_sighup_drains_a_slow_run_and_exits_0(
    start_daemon: Callable[[dict[str, str]], Daemon], upstream_in_thread: Upstream
) -> None:
    upstream_in_thread.rows = [{"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1}]
    upstream_in_thread.delay = 1.5
    daemon = start_daemon({"PARIS_SOURCES__COUNTER__URL": upstream_in_thread.url, **ONLY_COUNTER})
    daemon.read_until(lambda lines: bool(daemon.events("daemon started")), timeout=20)
    wait_for_hits(upstream_in_thread)
    daemon.proc.send_signal(signal.SIGHUP)  # the fetch is in flight: drained, not killed
    assert daemon.proc.wait(timeout=10) == 0
    daemon.read_until(lambda lines: bool(daemon.events("daemon stopped")), timeout=5)
    [stopping] = daemon.events("stopping: no new runs, draining")
    assert stopping["signal"] == "SIGHUP"
    [run] = daemon.events("run")
    assert (run["source"], run["status"], run["written"]) == ("counter", "ok", 1)
    assert daemon.events("daemon stopped")[0]["done"] == 1


@pytest.mark.parametrize(
    "tz",
    [
        "UTC0",  # POSIX form: tzlocal cannot map it to a zone name
        "CET-1CEST,M3.5.0,M10.5.0/3",  # POSIX form with daylight saving rules
        ":/nonexistent",  # a zone file that does not exist
    ],
)
def test_a_posix_or_broken_tz_does_not_stop_the_daemon(
    start_daemon: Callable[[dict[str, str]], Daemon], upstream_in_thread: Upstream, tz: str
) -> None:
    upstream_in_thread.rows = [{"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1}]
    daemon = start_daemon(
        {"TZ": tz, "PARIS_SOURCES__COUNTER__URL": upstream_in_thread.url, **ONLY_COUNTER}
    )

    def ran(lines: list[dict[str, Any]]) -> bool:
        return any(line.get("event") == "run" for line in lines)

    daemon.read_until(ran, timeout=30)  # the scheduler fired the source's job
    [run] = daemon.events("run")
    assert (run["source"], run["status"]) == ("counter", "ok")
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=10) == 0
    daemon.read_until(lambda lines: bool(daemon.events("daemon stopped")), timeout=5)
    assert not daemon.events("<not json>"), daemon.events("<not json>")
    assert all("Traceback" not in json.dumps(line) for line in daemon.lines)


def test_the_unit_has_no_reload_that_would_stop_it() -> None:
    # SIGHUP stops the daemon (exit 0) and Restart=on-failure would leave it stopped, so an
    # ExecReload sending it would turn `systemctl reload` into a stop.
    unit = Path(__file__).parents[2] / "systemd" / "paris-collector.service"
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit.read_text(), flags=re.M))
    assert "ExecReload" not in settings
    assert settings["Restart"] == "on-failure"
