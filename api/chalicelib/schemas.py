"""OpenAPI schemas: the envelope, errors, and the records' own pydantic models.

Record and gold schemas come from the pydantic models the daemon validates with (through the
plugin manifest, see :mod:`chalicelib.catalog`), so the document cannot drift from the data.
``additionalProperties: false`` is dropped from them: a field added to a record later must not
break a client that validates against an older document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib import context
from chalicelib.web import Components
from readlayer.status import STALE_AFTER_INTERVALS

NULLABLE_STRING = {"type": ["string", "null"]}


def relaxed(schema: Any) -> Any:
    """A copy of a JSON schema without ``additionalProperties: false`` anywhere."""
    if isinstance(schema, Mapping):
        return {
            k: relaxed(v)
            for k, v in schema.items()
            if not (k == "additionalProperties" and v is False)
        }
    if isinstance(schema, list):
        return [relaxed(v) for v in schema]
    return schema


def model(components: Components, schema: Mapping[str, Any], *, owner: str = "") -> dict[str, str]:
    """Add a model's JSON schema (and the models it uses) to the components; return its ``$ref``.

    The schemas come from :func:`readlayer.manifest.json_schema`, which refers to the models it
    uses as ``#/components/schemas/<title>``. Two plugins may name their models alike: a
    second, different model of the same title is added as ``<owner>_<title>``.
    """
    main = dict(schema)
    for def_name, definition in main.pop("$defs", {}).items():
        components.add(def_name, relaxed(definition))
    title = str(main.get("title", "Record"))
    body = relaxed(main)
    taken = components.schemas.get(title)
    if taken is not None and taken != body and owner:
        title = f"{owner.replace('.', '_')}_{title}"
    return components.add(title, body)


QUALITY = {
    "type": "array",
    "items": {"type": "string"},
    "description": "the source's data-quality checks this record failed (absent when it "
    "passed them all): it is kept, and the analytics leave it out",
}


def record(components: Components, dataset: str) -> dict[str, Any]:
    """The schema of a dataset's records (any object if its source is not installed), with
    the ``_quality`` flags the collector adds to a record that failed a check."""
    schema = context.catalog().records.get(dataset)
    if not schema:
        return {"type": "object"}
    properties = {**schema.get("properties", {}), "_quality": QUALITY}
    return model(components, {**schema, "properties": properties}, owner=dataset)


def array_of(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": dict(item)}


def freshness(components: Components) -> dict[str, str]:
    return components.add(
        "Freshness",
        {
            "type": "object",
            "description": "How recent the data behind this answer is.",
            "required": ["updated_at", "data_freshness", "interval_s", "stale"],
            "properties": {
                "updated_at": {
                    **NULLABLE_STRING,
                    "description": "last successful run of the source (or aggregation), UTC",
                },
                "data_freshness": {
                    **NULLABLE_STRING,
                    "description": "newest observation time the source has delivered "
                    "(for an analytic: the end of its newest window), UTC",
                },
                "interval_s": {"type": "integer", "description": "seconds between two runs"},
                "stale": {
                    "type": "boolean",
                    "description": "true when updated_at is missing or older than "
                    f"{STALE_AFTER_INTERVALS:g} intervals",
                },
            },
        },
    )


def meta(components: Components) -> dict[str, str]:
    return components.add(
        "Meta",
        {
            "type": "object",
            "required": [
                "count", "observed_at", "freshness", "licence", "attribution", "sources", "next",
            ],
            "properties": {
                "count": {"type": "integer", "minimum": 0, "description": "items in `data`"},
                "observed_at": {
                    **NULLABLE_STRING,
                    "description": "newest observation (or window end) among the data, UTC",
                },
                "total": {
                    "type": ["integer", "null"], "minimum": 0,
                    "description": "matching items over all pages, where that costs nothing: "
                    "on the snapshots (`/parkings`, `/traffic`, `/departures`, "
                    "`/datasets/<dataset>`: the latest view is read whole anyway), `/datasets` "
                    "and `/sources`; null on histories and analytics, read page by page "
                    "(follow `next` to the end to count them)",
                },
                "freshness": {
                    "oneOf": [freshness(components), {"type": "null"}],
                    "description": "how recent the data is; null where the answer has no "
                    "single source (e.g. `/sources`)",
                },
                "licence": {**NULLABLE_STRING, "description": "licence of the source data"},
                "attribution": {**NULLABLE_STRING, "description": "credit the publishers so"},
                "sources": {
                    "type": "array", "items": {"type": "string"},
                    "description": "the sources (by name, as in `/sources`) the data comes from",
                },
                "next": {
                    **NULLABLE_STRING,
                    "description": "pass as `?next=` with the same other parameters (`limit` "
                    "may change) for the following page; null on the last. Bound to this "
                    "route and these parameters: elsewhere it is a 400",
                },
            },
        },
    )  # fmt: skip


def envelope(components: Components, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data", "meta"],
        "properties": {
            "data": {
                **data,
                "description": "the answer: a list of items (one point for an "
                "analytic's latest), an object for `/health`",
            },
            "meta": {**meta(components), "description": "count, paging, freshness and credit"},
        },
    }


def error(components: Components) -> dict[str, str]:
    return components.add(
        "Error",
        {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "description": "what went wrong, and which parameter caused it",
                    "required": ["status", "code", "parameter", "message"],
                    "properties": {
                        "status": {"type": "integer", "description": "the HTTP status"},
                        "code": {
                            "type": "string",
                            "enum": [
                                "invalid_parameter", "not_found", "method_not_allowed",
                                "storage_unavailable", "misconfigured", "internal_error",
                            ],
                            "description": "a stable code to branch on",
                        },
                        "parameter": {
                            **NULLABLE_STRING,
                            "description": "the query or path parameter at fault",
                        },
                        "message": {
                            "type": "string",
                            "description": "for people: the parameter, then what is expected",
                        },
                    },
                }
            },
        },
    )  # fmt: skip
