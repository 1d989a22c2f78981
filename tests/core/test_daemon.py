"""The daemon as an operator runs it: a real process, real signals, JSON logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.conftest import PLUGIN_DIR, Upstream

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


class Daemon:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []

    def read_until(self, done: Callable[[list[dict[str, Any]]], bool], timeout: float) -> None:
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line:
                try:
                    self.lines.append(json.loads(line))
                except json.JSONDecodeError:
                    self.lines.append({"event": "<not json>", "text": line})
                if done(self.lines):
                    return
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        raise AssertionError(f"condition not met; last log lines: {self.lines[-8:]}")

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("event") == event]


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Daemon]]:
    procs: list[subprocess.Popen[str]] = []

    def start(env_extra: dict[str, str]) -> Daemon:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
        env.update(
            PARIS_DATA_DIR=str(tmp_path / "data"),
            PARIS_PLUGIN_DIR=str(PLUGIN_DIR),
            PARIS_OPENDATA_URL=CLOSED,
            PARIS_SAEMES_URL=CLOSED,
            PARIS_SNCF_URL=CLOSED,
            PARIS_HTTP_RETRIES="0",
            PARIS_LOG_FORMAT="json",
            **env_extra,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "collector.cli", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        return Daemon(proc)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_no_network_one_error_per_source_then_sigterm_exits_0(
    start_daemon: Callable[[dict[str, str]], Daemon],
) -> None:
    daemon = start_daemon({"PARIS_SOURCES__COUNTER__URL": CLOSED})
    failing = {"traffic", "parking", "counter"}

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
