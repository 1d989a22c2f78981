"""``/aggregation_<name>``: the latest point by default, a series with ``since``/``until``."""

from __future__ import annotations

from typing import Any

import pytest
from api_testkit import AGGREGATIONS, GOLD_POINTS, World, get

from collector.registry import discover

REGISTRY = discover()


def source_of(name: str) -> str:
    return (
        "parking"
        if "park" in name or name in ("overall_occupancy_rate", "reference_pricing")
        else name.split("_")[0]
    )


@pytest.mark.parametrize("name", AGGREGATIONS)
def test_latest_point_by_default(api: Any, world: World, name: str) -> None:
    status, body, headers = get(api, f"/aggregation_{name}")
    assert status == 200, body
    [point] = body["data"]
    assert point["aggregation"] == name
    assert point["window_end"] == world.gold[name][0]
    assert set(point) == {"aggregation", "window_start", "window_end", "ran_at", "data"}
    meta = body["meta"]
    assert meta["observed_at"] == point["window_end"]
    assert meta["next"] is not None  # older points follow
    source = REGISTRY.sources[source_of(name)].plugin
    assert meta["sources"] == [source.name]
    assert (meta["licence"], meta["attribution"]) == (source.licence, source.attribution)
    assert meta["freshness"]["updated_at"] == point["ran_at"]
    interval = REGISTRY.aggregations[name].plugin.interval.total_seconds()
    assert meta["freshness"]["interval_s"] == interval
    assert headers["Cache-Control"] == f"public, max-age={min(int(interval) // 2, 1800)}"


@pytest.mark.parametrize("name", AGGREGATIONS)
def test_series_with_a_time_range(api: Any, world: World, name: str) -> None:
    status, body, _ = get(api, f"/aggregation_{name}?since=2000-01-01")
    assert status == 200
    assert [p["window_end"] for p in body["data"]] == world.gold[name]
    assert len(body["data"]) == GOLD_POINTS
    newest, *_, oldest = world.gold[name]
    body = get(api, f"/aggregation_{name}?since={oldest}&until={oldest}")[1]
    assert [p["window_end"] for p in body["data"]] == [oldest]
    body = get(api, f"/aggregation_{name}?until={world.gold[name][1]}")[1]
    assert [p["window_end"] for p in body["data"]] == world.gold[name][1:]
    assert body["meta"]["freshness"]["data_freshness"] == newest


def test_series_pages(api: Any, world: World) -> None:
    name = "traffic_congestion_index"
    ends: list[str] = []
    token = None
    while True:
        query = "?since=2000-01-01&limit=2" + (f"&next={token}" if token else "")
        body = get(api, f"/aggregation_{name}{query}")[1]
        ends += [p["window_end"] for p in body["data"]]
        token = body["meta"]["next"]
        if token is None:
            break
    assert ends == world.gold[name]
    # The default answer pages back through older points too.
    token = get(api, f"/aggregation_{name}")[1]["meta"]["next"]
    body = get(api, f"/aggregation_{name}?next={token}")[1]
    assert [p["window_end"] for p in body["data"]] == world.gold[name][1:2]


def test_range_with_no_point_is_empty(api: Any) -> None:
    status, body, _ = get(api, "/aggregation_departures_total?until=2001-01-01")
    assert (status, body["data"], body["meta"]["observed_at"]) == (200, [], None)
