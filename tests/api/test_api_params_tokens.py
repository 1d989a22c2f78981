"""Page tokens are bound to the route and the parameters that issued them.

A ``next`` token is only a position; used on another route, or with other filters, it would
page something else silently. Each is refused with a 400 naming ``next``, on the hand-written
routes and on the catalogue's alike; the same route with the same parameters (a different
``limit`` allowed, a filter spelled another way allowed) follows it.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_testkit import World, get

from collector.storage.base import decode_cursor, encode_cursor


def first_token(api: Any, path: str) -> str:
    status, body, _ = get(api, path)
    assert status == 200, body
    token = body["meta"]["next"]
    assert isinstance(token, str), f"{path} has one page only"
    return str(token)


def refused(api: Any, path: str) -> str:
    """The message of the 400 that ``path`` answers, naming ``next``."""
    status, body, headers = get(api, path)
    assert status == 400, (path, body)
    error = body["error"]
    assert (error["code"], error["parameter"]) == ("invalid_parameter", "next"), error
    assert headers["Cache-Control"] == "no-store"
    return str(error["message"])


ISSUERS = [
    # a route's first page (with more to follow), then routes its token must not page
    ("/parkings?limit=1", ["/traffic", "/departures", "/datasets/parking", "/parkings/1/history"]),
    ("/traffic?limit=1", ["/parkings", "/datasets/traffic", "/datasets/traffic.arcs"]),
    ("/departures?limit=1", ["/parkings", "/datasets/departures"]),
    ("/datasets/parking?limit=1", ["/parkings", "/datasets/traffic"]),
    ("/datasets/traffic.arcs?limit=1", ["/datasets/traffic", "/traffic"]),
    (
        "/parkings/1/history?limit=2",
        ["/parkings/3/history", "/traffic/6228/history", "/datasets/parking/1/history"],
    ),
    ("/traffic/6228/history?limit=2", ["/traffic/4243/history", "/parkings/1/history"]),
    ("/datasets/traffic/6228/history?limit=2", ["/traffic/6228/history"]),
    (
        "/aggregation_traffic_congestion_index",
        ["/aggregation_traffic_critical_segments", "/parkings/1/history", "/traffic"],
    ),
]


@pytest.mark.parametrize(("issuer", "others"), ISSUERS)
def test_a_token_is_refused_on_another_route(api: Any, issuer: str, others: list[str]) -> None:
    token = first_token(api, issuer)
    route = issuer.split("?")[0]
    for other in others:
        message = refused(api, f"{other}?next={token}")
        assert "another endpoint" in message and other in message, message
    # ... and the route that issued it follows it.
    assert get(api, f"{route}?next={token}&limit=1")[0] == 200


@pytest.mark.parametrize(
    ("issuer", "changed"),
    [
        ("/parkings?limit=1", "/parkings?limit=1&arrondissement=12"),
        ("/parkings?limit=1&arrondissement=12", "/parkings?limit=1"),
        ("/traffic?limit=1&traffic_state=Fluide", "/traffic?limit=1&traffic_state=Satur%C3%A9"),
        ("/traffic?limit=1", "/traffic?limit=1&geometry=false"),
        ("/departures?limit=1", "/departures?limit=1&network=TER"),
        ("/datasets/traffic?limit=1", "/datasets/traffic?limit=1&arrondissement=1"),
        ("/datasets/parking?limit=1&zone=Paris%2012e", "/datasets/parking?limit=1&zone=Paris%201e"),
        ("/parkings/1/history?limit=2", "/parkings/1/history?limit=2&since=2000-01-01"),
        (
            "/aggregation_traffic_congestion_index?since=2000-01-01&limit=1",
            "/aggregation_traffic_congestion_index?since=2001-01-01&limit=1",
        ),
    ],
)
def test_a_token_is_refused_with_other_filters(api: Any, issuer: str, changed: str) -> None:
    token = first_token(api, issuer)
    assert "other query parameters" in refused(api, f"{changed}&next={token}")


@pytest.mark.parametrize(
    ("issuer", "same"),
    [
        # the page size may change; a filter spelled another way is the same filter
        ("/parkings?limit=1", "/parkings?limit=3"),
        ("/traffic?limit=1&traffic_state=Fluide", "/traffic?limit=5&traffic_state=fluide"),
        (
            "/departures?limit=1&station=gare%20de%20lyon&network=tgv%20inoui",
            "/departures?limit=1&station=GARE%20DE%20LYON&network=TGV%20INOUI",
        ),
        ("/datasets/parking?limit=1&operator=indigo", "/datasets/parking?limit=1&operator=INDIGO"),
        ("/parkings/1/history?limit=2&since=2000-01-01", "/parkings/1/history?since=2000-01-01"),
    ],
)
def test_the_same_query_follows_its_token(api: Any, issuer: str, same: str) -> None:
    token = first_token(api, issuer)
    status, body, _ = get(api, f"{same}&next={token}")
    assert status == 200, body
    assert body["data"], "the second page is not empty"


def test_the_pages_of_a_filtered_snapshot_are_the_filter_s(api: Any, world: World) -> None:
    seen: list[str] = []
    path, token = "/traffic?limit=1&traffic_state=fluide", None
    while True:
        body = get(api, path + (f"&next={token}" if token else ""))[1]
        seen += [a["entity_id"] for a in body["data"]]
        token = body["meta"]["next"]
        if token is None:
            break
    assert seen == sorted(i for i, c in world.traffic.items() if c["traffic_state"] == "Fluide")


def test_a_token_whose_binding_is_edited_is_refused(api: Any) -> None:
    token = decode_cursor(first_token(api, "/parkings?limit=1"))
    assert set(token) == {"p", "r", "q"}  # a position and two digests, no route in clear
    assert "parkings" not in str(token)
    forged = encode_cursor({**token, "r": "AAAAAAAA"})
    assert "another endpoint" in refused(api, f"/parkings?next={forged}")
    forged = encode_cursor({**token, "q": "AAAAAAAA"})
    assert "other query parameters" in refused(api, f"/parkings?next={forged}")
    # A position alone (what tokens were before they were bound) is not a token any more.
    assert refused(api, "/parkings?next=" + encode_cursor(token["p"]))
