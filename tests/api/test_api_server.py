"""The API served on 127.0.0.1 (``api/serve.py``), checked against its own OpenAPI document.

Schemathesis generates requests from the document served at ``/openapi.json`` (valid ones, and
invalid ones that must be refused with a 4xx) and checks every answer: never a 5xx, status,
content type, headers and body as documented. ``positive_data_acceptance`` is left out: a valid
looking request may still be refused with a documented 400 for what a schema cannot say
(``since`` after ``until``, a ``next`` token this API did not issue).
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_testkit import APP, World
from chalicelib.fallback import CATCH_ALL, between
from chalicelib.web import ENDPOINTS
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.serve import make_server

MAX_EXAMPLES = 5


@pytest.fixture(scope="module")
def base_url(local_world: World) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, local_world.settings)
    host, port = server.server.server_address[:2]
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{host}:{port}"
    server.server.shutdown()
    server.server.server_close()
    thread.join(timeout=5)


def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_server_answers_like_the_test_client(base_url: str, local_world: World) -> None:
    status, headers, body = fetch(f"{base_url}/parkings?arrondissement=12")
    assert status == 200
    assert [p["entity_id"] for p in json.loads(body)["data"]] == ["1", "2", "3"]
    assert headers["Content-Type"] == "application/json"
    status, headers, zipped = fetch(f"{base_url}/traffic", **{"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert len(json.loads(gzip.decompress(zipped))["data"]) == len(local_world.traffic)
    status, _, body = fetch(f"{base_url}/traffic", **{"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    status, _, body = fetch(f"{base_url}/parkings?limit=0")
    assert (status, json.loads(body)["error"]["parameter"]) == (400, "limit")
    assert fetch(f"{base_url}/parkings/999/history")[0] == 404


def test_serve_command_runs_until_sigterm(local_world: World) -> None:
    """``python -m api.serve`` (what ``paris-collector api`` calls) on the configured store."""
    env = {
        **os.environ,
        "PARIS_STORAGE": "local",
        "PARIS_DATA_DIR": str(local_world.settings.data_dir),
    }
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "api.serve", "--host", "127.0.0.1", "--port", "0"]
    with subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None
            found = re.search(r"http://[0-9.:]+/", server.stdout.readline())
            assert found, server.stderr.read() if server.stderr else ""
            status, _, body = fetch(found[0] + "health")
            assert status == 200 and json.loads(body)["data"]["storage"]["backend"] == "local"
        finally:
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=20) == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere/at/all", 404),  # deeper than any route: the greedy catch-all
        ("GET", "/parkings/1/history/more", 404),
        ("PUT", "/datasets/parking/1/history/x", 404),
        ("GET", "/docs/swagger-ui-bundle.js.map", 404),  # in the package, not served
        ("GET", "/docs/index.html", 404),
        ("POST", "/parkings", 405),
        ("DELETE", "/datasets/traffic.arcs", 405),
    ],
)
def test_unknown_routes_and_methods_in_the_envelope(
    base_url: str, method: str, path: str, status: int
) -> None:
    got, headers, body = fetch(base_url + path, method, Origin="https://example.org")
    error = json.loads(body)["error"]
    assert (got, error["status"]) == (status, status)
    assert error["code"] == {404: "not_found", 405: "method_not_allowed"}[status]
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Content-Type"] == "application/json"
    if status == 405:
        assert headers["Allow"] == "GET, HEAD, OPTIONS"


def test_head_on_the_wire(base_url: str) -> None:
    """HEAD sends the GET's headers and no body: the next answer on the connection is intact."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/traffic", headers={"Accept-Encoding": "gzip"})
        got = connection.getresponse()
        body = got.read()
        for path, status in (("/traffic", 200), ("/nowhere/deep", 404)):
            connection.request("HEAD", path, headers={"Accept-Encoding": "gzip"})
            head = connection.getresponse()
            assert (head.status, head.read()) == (status, b"")
            if status == 200:
                assert head.getheader("Content-Length") == str(len(body))
                assert head.getheader("ETag") == got.getheader("ETag")
                assert head.getheader("Content-Encoding") == "gzip"
        connection.request("GET", "/health")
        after = connection.getresponse()
        assert after.status == 200 and json.loads(after.read())["data"]["storage"]["reachable"]
    finally:
        connection.close()


def test_cors_preflight(base_url: str) -> None:
    status, headers, _ = fetch(
        f"{base_url}/traffic/6228/history",
        "OPTIONS",
        Origin="https://example.org",
        **{"Access-Control-Request-Method": "GET"},
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET,HEAD,OPTIONS"
    assert "If-None-Match" in headers["Access-Control-Allow-Headers"]


DOCUMENTED = {spec.path for spec in ENDPOINTS.values() if spec.documented}


def test_openapi_document_lists_every_route(base_url: str) -> None:
    doc = json.loads(fetch(f"{base_url}/openapi.json")[2])
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == DOCUMENTED
    # The other routes: the docs page's files, and those that answer 404 (see fallback.py).
    declared = {spec.path for spec in ENDPOINTS.values()}
    assert set(APP.routes) - DOCUMENTED == (declared - DOCUMENTED) | {CATCH_ALL, *between(declared)}
    assert all(p.startswith("/docs/") for p in declared - DOCUMENTED)
    assert doc["servers"] == [{"url": base_url}]
    for path, item in doc["paths"].items():
        assert set(item) == {"get"}, path
        assert {"200", "400", "503"} <= set(item["get"]["responses"]), path
    parking = doc["components"]["schemas"]["ParkingAvailability"]
    assert "free_places" in parking["properties"]
    assert "additionalProperties" not in parking
    gold = doc["components"]["schemas"]["Gold_traffic_congestion_index"]
    assert gold["properties"]["data"]["$ref"] == "#/components/schemas/CongestionIndex"


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_every_operation_conforms_to_the_document(
    base_url: str, mode: schemathesis.GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every documented route but /openapi.json itself (schemathesis leaves out the schema's
    # own URL): the seed endpoints, /, /docs, /datasets and one or two routes per dataset
    # and analytic.
    assert len(operations) == len(DOCUMENTED) - 1, [o.label for o in operations]
    assert len(operations) >= 17

    negative = mode is schemathesis.GenerationMode.NEGATIVE
    seen: set[tuple[str, ...]] = set()
    for operation in operations:
        signature = tuple(sorted(p.name for p in operation.query))
        if negative and (not signature or signature in seen):
            # Nothing can be invalid in a free-form If-None-Match; and the ten analytics take
            # the same parameters, validated by the same code: once is enough.
            continue
        seen.add(signature)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
