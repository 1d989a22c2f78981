"""HTTP behaviour: Cache-Control, ETag and 304, gzip, CORS, HEAD."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from api_testkit import INSTALLED, get


@pytest.mark.parametrize(
    ("path", "max_age"),
    [
        ("/parkings", 60),  # every 120 s
        ("/parkings/1/history", 60),
        ("/traffic", 1800),  # hourly
        ("/traffic/6228/history", 1800),
        ("/departures", 90),  # every 180 s
        ("/aggregation_overall_occupancy_rate", 150),  # every 5 min
        ("/aggregation_reference_pricing", 1800),  # every 6 h
        ("/openapi.json", 300),
    ],
)
def test_cache_control_follows_the_interval(api: Any, path: str, max_age: int) -> None:
    status, _, headers = get(api, path)
    assert status == 200
    assert headers["Cache-Control"] == f"public, max-age={max_age}"
    assert headers["Vary"] == "Accept-Encoding"


def test_etag_and_if_none_match(api: Any) -> None:
    first = api.get("/parkings")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert api.get("/parkings").headers["ETag"] == etag  # same data, same tag
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*", etag[:-1] + '-gzip"'):
        again = api.get("/parkings", headers={"If-None-Match": header})
        assert (again.status_code, again.body) == (304, b""), header
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "public, max-age=60"
    assert api.get("/parkings", headers={"If-None-Match": '"other"'}).status_code == 200
    assert api.get("/parkings?arrondissement=12").headers["ETag"] != etag


def test_large_lists_are_gzipped_when_accepted(api: Any) -> None:
    plain = api.get("/traffic")
    zipped = api.get("/traffic", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body) / 2
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    refused = api.get("/traffic", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    anything = api.get("/traffic", headers={"Accept-Encoding": "*"})
    assert anything.headers["Content-Encoding"] == "gzip"


def test_small_answers_are_not_compressed(api: Any) -> None:
    response = api.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert json.loads(response.body)["data"]["storage"]["reachable"] is True


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/html"])
def test_any_accept_header_gets_json(api: Any, accept: str | None) -> None:
    status, body, headers = get(api, "/sources", **({"Accept": accept} if accept else {}))
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body["meta"]["count"] == len(INSTALLED)


def test_cors(api: Any) -> None:
    response = api.get("/parkings", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    error = api.get("/parkings?limit=0", headers={"Origin": "https://example.org"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/parkings", {}),
        ("/traffic", {"Accept-Encoding": "gzip"}),  # the gzip body's length
        ("/parkings/1/history", {}),
        ("/aggregation_reference_pricing", {}),
        ("/", {}),
        ("/docs", {}),
        ("/docs/swagger-ui.css", {}),
        ("/openapi.json", {"Accept-Encoding": "gzip"}),
        ("/parkings?limit=0", {}),  # a 400
        ("/parkings/999/history", {}),  # a 404 from the view
        ("/nowhere", {}),  # a 404 of no route
    ],
)
def test_head_answers_like_get_without_the_body(
    api: Any, path: str, headers: dict[str, str]
) -> None:
    got = api.get(path, headers=headers)
    head = api.head(path, headers=headers)
    assert head.status_code == got.status_code
    assert head.body == b""
    assert head.headers.pop("Content-Length") == str(len(got.body))
    assert head.headers == got.headers  # ETag, Content-Type, Cache-Control, CORS...


def test_head_honours_if_none_match(api: Any) -> None:
    etag = api.get("/parkings").headers["ETag"]
    head = api.head("/parkings", headers={"If-None-Match": etag})
    assert (head.status_code, head.body, head.headers["ETag"]) == (304, b"", etag)
