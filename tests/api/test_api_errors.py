"""Client mistakes: a 400 whose JSON body names the parameter, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_testkit import get

from collector.storage.base import encode_cursor

SNAPSHOT = encode_cursor({"after": ["0", "1"]})
HISTORY = encode_cursor({"before": "2025-01-01T00:00:00Z"})

CASES = [
    # path, parameter at fault
    ("/parkings?limit=0", "limit"),
    ("/parkings?limit=5001", "limit"),
    ("/parkings?limit=abc", "limit"),
    ("/parkings?limit=-1", "limit"),
    ("/parkings?limit=1.5", "limit"),
    ("/parkings?limit=%EF%BC%95", "limit"),  # a full-width digit
    ("/parkings?limit=", "limit"),
    ("/parkings?limit=1&limit=2", "limit"),
    ("/parkings?arrondissement=21", "arrondissement"),
    ("/parkings?arrondissement=0", "arrondissement"),
    ("/parkings?arrondissement=75012", "arrondissement"),
    ("/traffic?arrondissement=douze", "arrondissement"),
    ("/traffic?traffic_state=sature", "traffic_state"),
    ("/traffic?traffic_state=", "traffic_state"),
    ("/traffic?geometry=yes", "geometry"),
    ("/departures?network=", "network"),
    ("/departures?station=%20%20", "station"),
    ("/departures?station=" + "x" * 201, "station"),
    ("/departures?since=yesterday", "since"),
    ("/departures?since=2025-11-04&until=2025-11-03", "since"),
    ("/parkings/1/history?since=2025-13-01", "since"),
    ("/parkings/1/history?since=2025-02-30T00:00:00Z", "since"),
    ("/parkings/1/history?since=2025-11-04T25:00:00Z", "since"),
    ("/parkings/1/history?since=0001-01-01T00:00:00%2B05:00", "since"),
    ("/parkings/1/history?until=9999-12-31T23:59:59-05:00", "until"),
    ("/parkings/1/history?until=2025-11-04T10:00:00%2B24:00", "until"),
    ("/parkings/1/history?until=1730000000", "until"),
    ("/traffic/6228/history?since=2025-11-05&until=2025-11-04", "since"),
    ("/aggregation_reference_pricing?until=tomorrow", "until"),
    ("/aggregation_reference_pricing?limit=1001", "limit"),
    ("/parkings?next=not-a-token!", "next"),
    ("/parkings?next=abc", "next"),
    ("/parkings?next=" + HISTORY, "next"),
    ("/parkings?next=" + encode_cursor({"after": [1, 2]}), "next"),
    ("/traffic?next=" + encode_cursor([1, 2]), "next"),
    ("/parkings/1/history?next=" + SNAPSHOT, "next"),
    ("/aggregation_traffic_congestion_index?next=" + SNAPSHOT, "next"),
    ("/aggregation_traffic_congestion_index?next=" + encode_cursor({"before": 5}), "next"),
    ("/parkings?arrondisement=12", "arrondisement"),
    ("/parkings?station=Lyon", "station"),
    ("/health?verbose=1", "verbose"),
    ("/sources?limit=10", "limit"),
    ("/openapi.json?format=yaml", "format"),
]


@pytest.mark.parametrize(("path", "parameter"), CASES)
def test_client_mistake_is_400_naming_the_parameter(api: Any, path: str, parameter: str) -> None:
    status, body, headers = get(api, path)
    assert status == 400, body
    error = body["error"]
    assert error["code"] == "invalid_parameter"
    assert error["parameter"] == parameter
    assert error["message"].startswith(f"{parameter}: ")
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json"


def test_naive_time_means_utc(api: Any) -> None:
    naive = get(api, "/aggregation_reference_pricing?since=2025-11-04T19:00:00")
    utc = get(api, "/aggregation_reference_pricing?since=2025-11-04T19:00:00Z")
    assert naive[0] == 200 and naive[1] == utc[1]


def test_cache_buster_parameters_are_ignored(api: Any) -> None:
    assert get(api, "/parkings?_=1700000000")[1] == get(api, "/parkings")[1]


ORIGIN = {"Origin": "https://example.org"}


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    error = json.loads(response.body)["error"]
    assert (error["status"], error["code"], error["parameter"]) == (status, code, None)
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    return dict(error)


@pytest.mark.parametrize(
    "path",
    [
        "/parking",  # a typo of /parkings
        "/parkings/1",  # between /parkings and /parkings/{id}/history
        "/traffic/6228",
        "/datasets/parking/1",
        "/nowhere",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_path_is_404_in_the_envelope(api: Any, path: str, method: str) -> None:
    error = assert_envelope(api.request(method, path, headers=ORIGIN), 404, "not_found")
    assert error["message"].startswith(f"no route {path}:")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/parkings", "/parkings/1/history", "/", "/docs"])
def test_other_methods_are_405_with_allow(api: Any, path: str, method: str) -> None:
    response = api.request(method, path, headers={**ORIGIN, "Content-Type": "text/plain"})
    error = assert_envelope(response, 405, "method_not_allowed")
    assert method in error["message"]
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_chalices_own_errors_are_in_the_envelope(api: Any) -> None:
    """A method no view has reaches Chalice's own 405 (API Gateway would not pass it on)."""
    response = api.request("TRACE", "/parkings", headers=ORIGIN)
    assert_envelope(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_content_type_on_a_get_is_no_error(api: Any) -> None:
    response = api.get("/health", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
