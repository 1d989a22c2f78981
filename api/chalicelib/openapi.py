"""``/openapi.json``: the OpenAPI 3.1 document, built from the route declarations themselves."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request

from chalicelib import context, schemas
from chalicelib.web import API_KEY_REQUIRED, ENDPOINTS, JSON, Components, Endpoint, Reply, route
from collector import __version__

bp = Blueprint(__name__)
MAX_AGE_S = 300
TITLE = "Paris Public Data API"
DESCRIPTION = """\
Road traffic counters, car parks and train departures of Paris, and the city analytics computed
from them. Read-only; the data is collected by the paris-collector daemon.

**Envelope.** Every answer but this document is `{"data": ..., "meta": {...}}`; `meta` holds
`count`, `observed_at`, `freshness`, the `licence` and `attribution` of the source data (credit
them when you reuse it), `sources`, and `next`.

**Pagination.** Lists take `limit`; when more items follow, `meta.next` is an opaque token: pass
it back as `?next=` with the same other parameters.

**Errors.** A bad parameter (unknown, repeated, malformed or out of range) is a 400 whose JSON
body names it in `error.parameter`; an unknown id or path is a 404; another method than GET or
HEAD a 405 with `Allow`; an unreachable storage a 503 with `Retry-After`. Every error is
`{"error": {"status", "code", "parameter", "message"}}`. Query parameters starting with `_`
(cache busters) are ignored.

**HEAD.** Every route answers HEAD like GET (status, headers, `ETag`, `Content-Length` of the
GET's body) with no body.

**Index and docs.** `/` links every route; `/docs` is this document in Swagger UI, served by the
API itself (no CDN).

**Caching.** `Cache-Control` max-age is half the source's (or analytic's) interval; every
answer has an `ETag`, and `If-None-Match` gives a 304. Large answers are gzip-compressed when
the request says `Accept-Encoding: gzip`. CORS is open to any origin.
"""
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "an ETag from a previous answer: 304 with no body if unchanged",
    "schema": {"type": "string"},
}


def server_url(request: Request | None) -> str:
    """This API's base URL as the client sees it (with the stage on an execute-api host)."""
    if request is None:
        return "/"
    headers = request.headers
    host = headers.get("host", "localhost")
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip()
    stage = request.context.get("stage") if isinstance(request.context, dict) else None
    prefix = f"/{stage}" if stage and host.endswith(".amazonaws.com") else ""
    return f"{scheme}://{host}{prefix}"


def operation(spec: Endpoint, components: Components) -> dict[str, Any]:
    error = schemas.error(components)
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "description": text,
         "schema": {"type": "string", "minLength": 1}}
        for name, text in spec.path_params
    ]  # fmt: skip
    parameters += [p.openapi() for p in spec.params]
    parameters.append(IF_NONE_MATCH)
    if spec.data is not None:
        body = schemas.envelope(components, spec.data(components))
    elif spec.body is not None:
        body = spec.body(components)
    else:
        body = {"type": "object"}

    def failure(text: str) -> dict[str, Any]:
        return {"description": text, "content": {JSON: {"schema": error}}}

    media_type = spec.media_type.split(";")[0]
    responses: dict[str, Any] = {
        "200": {
            "description": f"OK. Cached for {spec.cache}.",
            "headers": {
                "ETag": {"schema": {"type": "string"}},
                "Cache-Control": {"schema": {"type": "string"}},
            },
            "content": {media_type: {"schema": body}},
        },
        "304": {"description": "Not modified (the `If-None-Match` ETag still matches)"},
        "400": failure("A bad, unknown or repeated parameter, named in `error.parameter`"),
        "503": failure("The storage is unreachable; retry after `Retry-After` seconds"),
    }
    if spec.not_found:
        responses["404"] = failure("Unknown id")
    doc: dict[str, Any] = {
        "operationId": spec.operation_id,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if spec.description:
        doc["description"] = spec.description
    return doc


def document(request: Request | None = None) -> dict[str, Any]:
    components = Components()
    paths: dict[str, Any] = {}
    for spec in ENDPOINTS.values():
        if spec.documented:
            paths.setdefault(spec.path, {})["get"] = operation(spec, components)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": __version__,
            "description": DESCRIPTION,
            "license": {"name": "code: MIT; data: see each answer's meta.licence"},
        },
        "servers": [{"url": server_url(request)}],
        "tags": [
            {"name": "snapshots", "description": "the latest record of each entity"},
            {"name": "history", "description": "one entity over time"},
            {"name": "analytics", "description": "city analytics (gold series)"},
            {"name": "status", "description": "health and sources"},
            {"name": "about", "description": "this API: its index and documentation"},
        ],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.schemas.items()))},
    }
    if API_KEY_REQUIRED:
        doc["components"]["securitySchemes"] = {
            "api_key": {"type": "apiKey", "in": "header", "name": "x-api-key"}
        }
        doc["security"] = [{"api_key": []}]
    return doc


def _document_schema(components: Components) -> dict[str, Any]:
    return {"type": "object", "required": ["openapi", "paths"]}


@route(
    bp,
    Endpoint(
        path="/openapi.json",
        operation_id="openapi",
        summary="This document (OpenAPI 3.1)",
        tag="about",
        body=_document_schema,
        cache="5 min",
    ),
)
def openapi(query: dict[str, Any]) -> Reply:
    context.catalog()  # the analytics' output schemas come from their plugins
    return Reply(body=document(bp.current_request), max_age=MAX_AGE_S)
