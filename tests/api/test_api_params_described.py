"""The document describes every field a client reads, and ``meta.total`` counts where it can.

Every property of every schema in ``/openapi.json`` (records, analytics, the envelope, errors,
status) has a ``description``: the record and output models carry them as
``Field(description=...)``, the API's own schemas inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_testkit import World, get


def undescribed(node: Any, where: str = "") -> Iterator[str]:
    """Where a schema property has no description (``$ref`` or not)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, prop in properties.items():
                if not (isinstance(prop, dict) and str(prop.get("description", "")).strip()):
                    yield f"{where}.{name}"
        for key, value in node.items():
            yield from undescribed(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from undescribed(value, f"{where}[{i}]")


def test_the_walk_finds_a_missing_description() -> None:
    schema = {"properties": {"a": {"type": "string", "description": "x"}, "b": {"$ref": "#/y"}}}
    assert list(undescribed({"components": {"schemas": {"S": schema}}})) == [
        "/components/schemas/S.b"
    ]


def test_every_property_of_the_document_is_described(api: Any) -> None:
    status, doc, _ = get(api, "/openapi.json")
    assert status == 200
    assert len(doc["components"]["schemas"]) > 20  # the walk sees the records and outputs
    missing = sorted(set(undescribed(doc)))
    assert missing == [], "\n".join(missing)


def test_a_traffic_count_is_stamped_with_the_end_of_its_hour(api: Any) -> None:
    schemas = get(api, "/openapi.json")[1]["components"]["schemas"]
    assert (
        "END of the counted hour"
        in schemas["TrafficCount"]["properties"]["observed_at"]["description"]
    )
    departure = schemas["Departure"]["properties"]["observed_at"]["description"]
    assert "scheduled" in departure


def test_meta_total_is_documented(api: Any) -> None:
    meta = get(api, "/openapi.json")[1]["components"]["schemas"]["Meta"]
    assert "total" in meta["properties"]
    assert "null on histories and analytics" in meta["properties"]["total"]["description"]


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/parkings?limit=3", lambda w: len(w.parkings)),
        ("/parkings?limit=1&arrondissement=12", lambda w: 3),
        ("/traffic?limit=2&traffic_state=fluide", lambda w: 2),
        ("/datasets/traffic.arcs?limit=2", lambda w: len(w.arcs)),
        ("/datasets/parking?operator=saemes&limit=1", lambda w: 5),
        ("/departures?limit=2", lambda w: 7),
    ],
)
def test_snapshots_count_every_matching_item(api: Any, world: World, path: str, count: Any) -> None:
    expected = count(world)
    token, seen = None, 0
    while True:
        body = get(api, path + (f"&next={token}" if token else ""))[1]
        assert body["meta"]["total"] == expected  # on every page
        seen += body["meta"]["count"]
        token = body["meta"]["next"]
        if token is None:
            break
    assert seen == expected


def test_lists_count_and_series_do_not(api: Any, world: World) -> None:
    datasets = get(api, "/datasets")[1]
    assert datasets["meta"]["total"] == len(datasets["data"]) > 0
    sources = get(api, "/sources")[1]
    assert sources["meta"]["total"] == len(sources["data"]) > 0
    for path in ("/parkings/1/history?limit=2", "/aggregation_departures_total"):
        body = get(api, path)[1]
        assert body["meta"]["next"] is not None and body["meta"]["total"] is None, path
