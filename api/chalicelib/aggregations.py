"""``/aggregation_<name>``: every analytic's gold series, latest point or a time range.

One route per analytic of the catalogue (built-in, installed or dropped in), its points typed
by the analytic's own output model in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.listing import storage_cursor, with_total
from chalicelib.params import NEXT, SINCE, UNTIL, Param, bind_token, integer, time_range
from chalicelib.web import Components, Endpoint, Reply, envelope, freshness, max_age, route
from readlayer.catalogue import AggregationInfo
from readlayer.reads import gold_series

bp = Blueprint(__name__)

AGGREGATIONS: dict[str, tuple[str, str]] = {
    name: (info.sources[0] if info.sources else "", info.description or f"The analytic {name}")
    for name, info in sorted(context.routed().aggregations.items())
}
"""Every analytic the API serves (found when the app is imported, see
:func:`chalicelib.context.route_manifest`): the source it reads first, and its summary.
Intervals and switches are read per request."""

SERIES_LIMIT = 100
LIMIT = Param(
    name="limit",
    description="points per page, 1-1000 (default 1, the latest point, without since/until; "
    f"{SERIES_LIMIT} with them)",
    schema={"type": "integer", "minimum": 1, "maximum": 1000},
    convert=integer(1, 1000),
)


EXCLUDED = {
    "type": "object",
    "additionalProperties": {"type": "integer", "minimum": 0},
    "description": "inputs left out because they failed a data-quality check, by check name "
    "(a record failing two checks counts under each); {} when none",
}


def with_excluded(output: Mapping[str, Any]) -> dict[str, Any]:
    """The output model's schema with the ``excluded`` map the runner adds to every point
    (an analytic that has its own ``excluded`` object keeps it: the check names join it)."""
    properties = dict(output.get("properties") or {})
    properties.setdefault("excluded", EXCLUDED)
    required = [r for r in output.get("required") or [] if r != "excluded"]
    return {**output, "properties": properties, "required": [*required, "excluded"]}


def _points(name: str, source: str) -> Callable[[Components], dict[str, Any]]:
    def schema(components: Components) -> dict[str, Any]:
        info = context.catalog().aggregation(name, source)
        data: dict[str, Any] = {"type": "object"}
        if info.output is not None:
            data = schemas.model(components, with_excluded(info.output))
        point = components.add(
            f"Gold_{name}",
            {
                "type": "object",
                "required": ["aggregation", "window_start", "window_end", "ran_at", "data"],
                "properties": {
                    "aggregation": {
                        "type": "string",
                        "const": name,
                        "description": "the analytic's name",
                    },
                    "window_start": {"type": "string", "description": "window start (excl.)"},
                    "window_end": {"type": "string", "description": "window end (incl.), UTC"},
                    "ran_at": {"type": "string", "description": "when it was computed, UTC"},
                    "data": {**data, "description": "the result, as the analytic's model"},
                },
            },
        )
        return schemas.array_of(point)

    return schema


def series(name: str, source: str, query: dict[str, Any]) -> Reply:
    info: AggregationInfo = context.catalog().aggregation(name, source)
    ranged = query["since"] is not None or query["until"] is not None
    since, until = time_range(query)
    route = f"/aggregation_{name}"
    cursor = storage_cursor(query, route)
    size = query["limit"] or (SERIES_LIMIT if ranged else 1)
    found = gold_series(context.reader(), name, since, until, limit=size, cursor=cursor)
    page, newest = found.page, found.newest
    fresh = freshness(
        newest["ran_at"] if newest else None,
        newest["window_end"] if newest else None,
        info.interval_s,
    )
    sources = [context.catalog().source(s) for s in info.sources]
    observed = page.items[0]["window_end"] if page.items else None
    body = envelope(
        page.items,
        sources=sources,
        observed_at=observed,
        fresh=fresh,
        next_token=bind_token(page.next, route, query),
    )
    return Reply(body=with_total(body, None), max_age=max_age(info.interval_s))


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
