"""``/health``: 200 while the storage answers (``degraded`` if a source lags), else 503."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context
from chalicelib.freshness import FRESHNESS_SCHEMA, freshness_of
from chalicelib.web import Components, Endpoint, Reply, envelope, now, route
from readlayer.status import LABELS, LAGGING, judge

bp = Blueprint(__name__)


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
                    "description": "the store this API reads",
                    "required": ["backend", "reachable"],
                    "properties": {
                        "backend": {
                            "type": "string",
                            "enum": ["local", "aws"],
                            "description": "local: files + SQLite; aws: S3 + DynamoDB",
                        },
                        "reachable": {
                            "type": "boolean",
                            "description": "it answered (else the answer is a 503)",
                        },
                    },
                },
                "sources": {
                    "type": "object",
                    "description": "each installed source's status, by name",
                    "additionalProperties": {
                        "type": "string",
                        "enum": list(LABELS),
                    },
                },
                "freshness": {
                    "type": "object",
                    "description": (
                        "each installed source's data age against its freshness objective, by"
                        " name; apart from `status`: a source can run fine on stale data"
                    ),
                    "additionalProperties": FRESHNESS_SCHEMA,
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
    judged = judge(context.catalog(), reader.states(), now(), installed_only=True)
    sources = {s.name: s.label for s in judged}
    fresh = {s.name: freshness_of(s) for s in judged}
    lagging = any(label in LAGGING for label in sources.values())
    data = {
        "status": "degraded" if lagging else "ok",
        "storage": {"backend": context.settings().storage, "reachable": True},
        "sources": sources,
        "freshness": fresh,
    }
    return Reply(body=envelope(data))
