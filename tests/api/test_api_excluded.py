"""Every analytic's points say which inputs they left out (``excluded``), and the OpenAPI
document describes it for every analytic, built-in or dropped in, with no code per plugin."""

from __future__ import annotations

from typing import Any

import pytest
from api_testkit import AGGREGATIONS, get


def component(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize("name", AGGREGATIONS)
def test_points_say_what_they_excluded_and_the_document_describes_it(api: Any, name: str) -> None:
    status, body, _ = get(api, f"/aggregation_{name}")
    assert status == 200, body
    [point] = body["data"]
    excluded = point["data"]["excluded"]
    assert isinstance(excluded, dict)
    assert all(isinstance(n, int) and n >= 0 for n in excluded.values())

    doc = get(api, "/openapi.json")[1]
    gold = component(doc, f"Gold_{name}")
    output = component(doc, gold["properties"]["data"]["$ref"])
    assert "excluded" in output["required"]
    described = output["properties"]["excluded"]
    if "$ref" not in described:  # an analytic's own excluded object keeps its schema
        assert described["additionalProperties"] == {"type": "integer", "minimum": 0}
        assert "data-quality check" in described["description"]
