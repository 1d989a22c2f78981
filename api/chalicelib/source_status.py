"""``/sources``: each source's switch, schedule, last success and error, records and freshness."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.freshness import FRESHNESS_SCHEMA, freshness_of
from chalicelib.listing import with_total
from chalicelib.web import Components, Endpoint, Reply, envelope, now, route
from readlayer.catalogue import SourceInfo
from readlayer.status import LABELS, OUTCOMES, STALE_AFTER_INTERVALS, STATE_FIELDS, source_status

bp = Blueprint(__name__)
MAX_AGE_S = 30


def describe(info: SourceInfo, state: dict[str, Any]) -> dict[str, Any]:
    """A source as ``/sources`` shows it; enabled and status are the read layer's verdict."""
    judged = source_status(info.name, info, state, now())
    typed = judged.state
    return {
        "name": info.name,
        "description": info.description,
        "enabled": judged.enabled,
        "disabled_reason": judged.disabled_reason,
        "interval_s": info.interval_s,
        "datasets": list(info.datasets),
        "licence": info.licence,
        "attribution": info.attribution,
        **{name: getattr(typed, name) for name in STATE_FIELDS},
        "stale": judged.stale,
        "status": judged.label,
        **freshness_of(judged),
    }


def _items(components: Components) -> dict[str, Any]:
    text = {"type": ["string", "null"]}
    count = {"type": ["integer", "null"]}
    item = components.add(
        "Source",
        {
            "type": "object",
            "required": [
                "name",
                "enabled",
                "interval_s",
                "licence",
                "attribution",
                *STATE_FIELDS,
                "stale",
                "status",
                *FRESHNESS_SCHEMA["required"],
            ],
            "properties": {
                "name": {"type": "string", "description": "the source's name (its folder)"},
                "description": {"type": "string", "description": "what it collects"},
                "enabled": {"type": "boolean", "description": "the daemon runs it"},
                "disabled_reason": {**text, "description": "why it is not running"},
                "interval_s": {"type": "integer", "description": "seconds between two runs"},
                "datasets": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "the datasets it writes (see `/datasets`)",
                },
                "licence": {"type": "string", "description": "licence of the data"},
                "attribution": {"type": "string", "description": "credit the publishers so"},
                "last_run_at": {**text, "description": "when the last run started, UTC"},
                "last_status": {
                    **text,
                    "description": (
                        "the last run's outcome: ok, empty (stored nothing, none announced), "
                        "unchanged, missing (announced data did not land), failed, timeout, "
                        "spooled, parse_error, storage_error or error"
                    ),
                    "examples": list(OUTCOMES),
                },
                "last_success_at": {**text, "description": "start of the last successful run, UTC"},
                "last_error": {**text, "description": "the last failure's message"},
                "last_error_at": {**text, "description": "when it failed, UTC"},
                "consecutive_failures": {**count, "description": "failed runs since a success"},
                "records_last_run": {**count, "description": "records the last run stored"},
                "records_total": {**count, "description": "records stored by every run"},
                "data_freshness": {**text, "description": "newest observation delivered, UTC"},
                "stale": {
                    "type": "boolean",
                    "description": f"no success for {STALE_AFTER_INTERVALS:g} intervals",
                },
                "status": {
                    "type": "string",
                    "enum": list(LABELS),
                    "description": "the same verdict as `/health` and the dashboard",
                },
                **FRESHNESS_SCHEMA["properties"],
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
    return Reply(body=with_total(envelope(data), len(data)), max_age=MAX_AGE_S)
