"""``/aggregation_<name>``: the city analytics (gold series), latest point or a time range."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.catalog import AggregationInfo
from chalicelib.params import NEXT, SINCE, UNTIL, Param, cursor_field, integer, time_range
from chalicelib.web import Components, Endpoint, Reply, envelope, freshness, max_age, route
from collector.storage.base import encode_cursor

bp = Blueprint(__name__)

AGGREGATIONS: dict[str, tuple[str, str]] = {
    "average_availability_parking": ("parking", "Mean free places and availability per car park"),
    "number_of_parkings_in_operation": ("parking", "Car parks in operation and reporting"),
    "overall_occupancy_rate": ("parking", "City-wide car park occupancy rate"),
    "reference_pricing": ("parking", "Reference car park prices by zone"),
    "traffic_congestion_index": ("traffic", "0-100 congestion index of the latest hour"),
    "traffic_critical_segments": ("traffic", "The most congested road sections"),
    "traffic_fluidity_by_zone": ("traffic", "Share of fluid traffic by arrondissement"),
    "departures_by_network": ("departures", "Departures and delays by network"),
    "departures_top_destinations": ("departures", "Most served destinations"),
    "departures_total": ("departures", "Total departures and punctuality"),
}
"""Every analytic the API serves, with the source it reads (used until its plugin is found)."""

SERIES_LIMIT = 100
LIMIT = Param(
    name="limit",
    description="points per page, 1-1000 (default 1, the latest point, without since/until; "
    f"{SERIES_LIMIT} with them)",
    schema={"type": "integer", "minimum": 1, "maximum": 1000},
    convert=integer(1, 1000),
)


def _points(name: str, source: str) -> Callable[[Components], dict[str, Any]]:
    def schema(components: Components) -> dict[str, Any]:
        info = context.catalog().aggregation(name, source)
        data: dict[str, Any] = {"type": "object"}
        if info.output is not None:
            data = schemas.model(components, info.output)
        point = components.add(
            f"Gold_{name}",
            {
                "type": "object",
                "required": ["aggregation", "window_start", "window_end", "ran_at", "data"],
                "properties": {
                    "aggregation": {"type": "string", "const": name},
                    "window_start": {"type": "string", "description": "window start (excl.)"},
                    "window_end": {"type": "string", "description": "window end (incl.), UTC"},
                    "ran_at": {"type": "string", "description": "when it was computed, UTC"},
                    "data": data,
                },
            },
        )
        return schemas.array_of(point)

    return schema


def series(name: str, source: str, query: dict[str, Any]) -> Reply:
    info: AggregationInfo = context.catalog().aggregation(name, source)
    ranged = query["since"] is not None or query["until"] is not None
    since, until = time_range(query)
    cursor = None
    if cursor_field(query, "before", str) is not None:
        cursor = encode_cursor(query["next"])
    size = query["limit"] or (SERIES_LIMIT if ranged else 1)
    reader = context.reader()
    page = reader.gold(name, since, until, limit=size, cursor=cursor)
    newest = page.items[0] if page.items and not ranged and cursor is None else None
    if newest is None:
        newest = reader.gold_latest(name)
    fresh = freshness(
        newest["ran_at"] if newest else None,
        newest["window_end"] if newest else None,
        info.interval_s,
    )
    sources = [context.catalog().source(s) for s in info.sources]
    observed = page.items[0]["window_end"] if page.items else None
    body = envelope(
        page.items, sources=sources, observed_at=observed, fresh=fresh, next_token=page.next
    )
    return Reply(body=body, max_age=max_age(info.interval_s))


def _declare(name: str, source: str, summary: str) -> None:
    @route(
        bp,
        Endpoint(
            path=f"/aggregation_{name}",
            operation_id=f"aggregation_{name}",
            summary=summary,
            description="The latest point by default (`data` holds one point); with `since` "
            "and/or `until`, the points whose window ends in that range, newest first.",
            tag="analytics",
            params=(SINCE, UNTIL, LIMIT, NEXT),
            data=_points(name, source),
            cache="half the analytic's interval",
        ),
    )
    def view(query: dict[str, Any]) -> Reply:
        return series(name, source, query)


for _name, (_source, _summary) in AGGREGATIONS.items():
    _declare(_name, _source, _summary)
