"""The local API, started as a user starts it, answers every endpoint with collected data."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.cli import main
from tests.integration.test_platform import ANALYTICS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(base: str, path: str) -> tuple[int, Any]:
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            body = resp.read()
            if resp.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return resp.status, json.loads(body)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.fixture
def api_server(platform: Callable[..., Path]) -> Iterator[str]:
    platform(clock=datetime.now(UTC))
    assert main(["once"]) == 0
    assert main(["aggregate"]) == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "collector.cli", "api", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()


def test_every_endpoint_answers_with_collected_data(api_server: str) -> None:
    base = api_server
    for path in ("/parkings", "/traffic?limit=50", "/sources", "/openapi.json"):
        status, body = get(base, path)
        assert status == 200, (path, body)
    status, parkings = get(base, "/parkings")
    assert parkings["meta"]["count"] > 100 and parkings["meta"]["licence"]
    park = parkings["data"][0]["entity_id"]
    status, traffic = get(base, "/traffic?limit=50")
    assert traffic["meta"]["count"] == 50 and traffic["meta"]["next"]
    arc = traffic["data"][0]["entity_id"]
    status, departures = get(base, "/departures?since=2000-01-01")
    assert status == 200 and isinstance(departures["data"], list)
    for path in (f"/parkings/{park}/history", f"/traffic/{arc}/history"):
        status, body = get(base, path)
        assert status == 200 and body["data"], path
    for name in ANALYTICS:
        status, body = get(base, f"/aggregation_{name}")
        assert status == 200 and len(body["data"]) == 1, name
        assert body["data"][0]["aggregation"] == name
    status, sources = get(base, "/sources")
    by_name = {s["name"]: s for s in sources["data"]}
    assert by_name["traffic"]["last_status"] == "ok"
    assert by_name["parking"]["records_total"] > 100
    status, health = get(base, "/health")
    assert status == 200 and health["data"]["storage"]["reachable"] is True
    status, error = get(base, "/parkings?arrondissement=21")
    assert status == 400 and "arrondissement" in json.dumps(error)
    status, error = get(base, "/parkings/no-such-car-park/history")
    assert status == 404
