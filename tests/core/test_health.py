"""The daemon's health endpoint and metrics, and secrets that never reach a log line."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.core.conftest import Daemon, Upstream


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_healthz_readyz_and_metrics(
    start_daemon: Callable[[dict[str, str]], Daemon], upstream_in_thread: Upstream
) -> None:
    upstream_in_thread.rows = [
        {"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1},
        {"id": "b", "at": "2025-11-04T19:00:00+00:00", "value": "not a number"},
    ]
    port = free_port()
    daemon = start_daemon(
        {
            "PARIS_HEALTH_PORT": str(port),
            "PARIS_SOURCES__COUNTER__URL": upstream_in_thread.url,
            "PARIS_SOURCES__COUNTER__INTERVAL": "60",
        }
    )
    daemon.read_until(
        lambda lines: any(x.get("event") == "run" and x.get("source") == "counter" for x in lines),
        timeout=20,
    )
    base = f"http://127.0.0.1:{port}"
    status, body = get(f"{base}/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = get(f"{base}/readyz")
    ready = json.loads(body)
    assert status == 200 and ready["storage"] is True
    assert ready["sources"]["counter"] == {"breaker": "closed"}
    status, metrics = get(f"{base}/metrics")
    assert status == 200
    assert 'paris_source_runs_total{source="counter",status="ok"} 1.0' in metrics
    assert 'paris_source_records_total{source="counter",stage="valid"} 1.0' in metrics
    assert 'paris_source_records_total{source="counter",stage="invalid"} 1.0' in metrics
    assert 'paris_source_breaker_state{source="counter"} 0.0' in metrics
    assert 'paris_source_data_freshness_seconds{source="counter"}' in metrics
    assert "paris_spool_bytes" in metrics
    assert 'paris_source_run_duration_seconds_count{source="counter"} 1.0' in metrics
    daemon.proc.terminate()
    assert daemon.proc.wait(timeout=10) == 0


def test_a_token_never_reaches_the_logs(
    start_daemon: Callable[[dict[str, str]], Daemon], tmp_path: Path
) -> None:
    token = "tok-SECRET-4242-abcdef"
    # Every log path: settings loaded, the departures source using the token against a closed
    # port, errors with URLs, and a traceback from a crashing plugin.
    daemon = start_daemon(
        {
            "PARIS_SNCF_TOKEN": token,
            "PARIS_OPENDATA_APIKEY": token,
            "PARIS_SOURCES__COUNTER__URL": f"http://127.0.0.1:9/{token}",
            "PARIS_LOG_LEVEL": "debug",
        }
    )
    expected = {"traffic", "parking", "departures", "counter"}

    def all_failed(lines: list[dict[str, Any]]) -> bool:
        return expected <= {x.get("source") for x in lines if x.get("event") == "source failing"}

    daemon.read_until(all_failed, timeout=30)
    daemon.proc.terminate()
    assert daemon.proc.wait(timeout=10) == 0
    time.sleep(0.1)
    text = json.dumps(daemon.lines)
    assert token not in text
    assert "***" in text  # the URL carrying it was logged, masked
