"""``/sources``: each source's switch, schedule, last success and error, records and freshness."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.catalog import SourceInfo
from chalicelib.web import Components, Endpoint, Reply, envelope, freshness, route

bp = Blueprint(__name__)
MAX_AGE_S = 30
STATE_FIELDS = (
    "last_run_at", "last_status", "last_success_at", "last_error", "last_error_at",
    "consecutive_failures", "records_last_run", "records_total", "data_freshness",
)  # fmt: skip
"""What the daemon saves after each run (``collector.runner``); its plugin cursor stays out."""


def describe(info: SourceInfo, state: dict[str, Any]) -> dict[str, Any]:
    fresh = freshness(state.get("last_success_at"), state.get("data_freshness"), info.interval_s)
    return {
        "name": info.name,
        "description": info.description,
        # The daemon records what it really runs; the API's own settings are only a fallback
        # (on Lambda the API does not hold the daemon's secrets).
        "enabled": bool(state.get("enabled", info.enabled)),
        "disabled_reason": state.get("disabled_reason", info.disabled_reason),
        "interval_s": info.interval_s,
        "datasets": list(info.datasets),
        "licence": info.licence,
        "attribution": info.attribution,
        **{name: state.get(name) for name in STATE_FIELDS},
        "stale": fresh["stale"],
    }


def _items(components: Components) -> dict[str, Any]:
    text = {"type": ["string", "null"]}
    count = {"type": ["integer", "null"]}
    item = components.add(
        "Source",
        {
            "type": "object",
            "required": ["name", "enabled", "interval_s", "licence", "attribution", *STATE_FIELDS],
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "enabled": {"type": "boolean", "description": "the daemon runs it"},
                "disabled_reason": {**text, "description": "why it is not running"},
                "interval_s": {"type": "integer"},
                "datasets": {"type": "array", "items": {"type": "string"}},
                "licence": {"type": "string"},
                "attribution": {"type": "string"},
                "last_run_at": text,
                "last_status": {
                    **text,
                    "description": (
                        "the last run's outcome: ok, empty (stored nothing, none announced), "
                        "unchanged, missing (announced data did not land), failed, timeout, "
                        "spooled, parse_error, storage_error or error"
                    ),
                },
                "last_success_at": text,
                "last_error": text,
                "last_error_at": text,
                "consecutive_failures": count,
                "records_last_run": count,
                "records_total": count,
                "data_freshness": {**text, "description": "newest observation delivered, UTC"},
                "stale": {"type": "boolean", "description": "no success for 3 intervals"},
            },
        },
    )
    return schemas.array_of(item)


@route(
    bp,
    Endpoint(
        path="/sources",
        operation_id="list_sources",
        summary="Every source: enabled, last success, last error, records and data freshness",
        tag="status",
        data=_items,
        cache="30 s",
    ),
)
def list_sources(query: dict[str, Any]) -> Reply:
    states = context.reader().states()
    found = context.catalog().sources
    data = [describe(found[name], states.get(name, {})) for name in sorted(found)]
    return Reply(body=envelope(data), max_age=MAX_AGE_S)
