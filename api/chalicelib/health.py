"""``/health``: 200 while the storage answers (``degraded`` if a source lags), else 503."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context
from chalicelib.source_status import describe
from chalicelib.web import Components, Endpoint, Reply, envelope, route

bp = Blueprint(__name__)


def status(source: dict[str, Any]) -> str:
    if not source["enabled"]:
        return "disabled"
    if source["last_run_at"] is None:
        return "never_run"
    if source["consecutive_failures"]:
        return "failing"
    return "stale" if source["stale"] else "ok"


def _health(components: Components) -> dict[str, Any]:
    return components.add(
        "Health",
        {
            "type": "object",
            "required": ["status", "storage", "sources"],
            "properties": {
                "status": {
                    "type": "string",
                    "enum": ["ok", "degraded"],
                    "description": "degraded: an enabled source is failing, stale or never ran",
                },
                "storage": {
                    "type": "object",
                    "required": ["backend", "reachable"],
                    "properties": {
                        "backend": {"type": "string", "enum": ["local", "aws"]},
                        "reachable": {"type": "boolean"},
                    },
                },
                "sources": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "string",
                        "enum": ["ok", "stale", "failing", "never_run", "disabled"],
                    },
                },
            },
        },
    )


@route(
    bp,
    Endpoint(
        path="/health",
        operation_id="health",
        summary="Is the API up and the storage reachable? Each source's status",
        tag="status",
        data=_health,
        cache="never (no-store)",
    ),
)
def health(query: dict[str, Any]) -> Reply:
    reader = context.reader()
    reader.check()
    states = reader.states()
    found = context.catalog().sources
    sources = {name: status(describe(found[name], states.get(name, {}))) for name in sorted(found)}
    lagging = any(s in ("stale", "failing", "never_run") for s in sources.values())
    data = {
        "status": "degraded" if lagging else "ok",
        "storage": {"backend": context.settings().storage, "reachable": True},
        "sources": sources,
    }
    return Reply(body=envelope(data))
