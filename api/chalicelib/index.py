"""``/``: what this API is, and a link to each of its routes, its document and its docs page.

The routes are the declared endpoints themselves (the catalogue's too), so the index cannot
miss one; the links are absolute (the stage prefix included, as in the document's ``servers``).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context, openapi
from chalicelib.web import ENDPOINTS, READ_METHODS, Components, Endpoint, Reply, envelope, route
from collector import __version__

bp = Blueprint(__name__)
MAX_AGE_S = 300
ABOUT = (
    "Road traffic counters, car parks and train departures of Paris, and the city analytics "
    "computed from them; read-only, collected by the paris-collector daemon. Every answer but "
    "the OpenAPI document is {data, meta}; errors are {error: {status, code, parameter, message}}."
)
LICENCE = (
    "Code: MIT. Data: the licence and attribution of the publishers, in each answer's "
    "meta.licence and meta.attribution (here: every source's); credit them when you reuse it."
)


def _index(components: Components) -> dict[str, Any]:
    text = {"type": "string"}
    link = components.add(
        "Link",
        {
            "type": "object",
            "required": ["path", "url", "methods", "summary", "tag", "operation_id"],
            "properties": {
                "path": {**text, "description": "the route, `{name}` for a path parameter"},
                "url": {**text, "description": "absolute; substitute the `{name}` parts"},
                "methods": {
                    "type": "array",
                    "items": text,
                    "description": "the HTTP methods it answers",
                },
                "summary": {**text, "description": "what it answers"},
                "tag": {**text, "description": "its group in the OpenAPI document"},
                "operation_id": {**text, "description": "as in the OpenAPI document"},
            },
        },
    )
    return components.add(
        "Index",
        {
            "type": "object",
            "required": ["name", "description", "version", "licence", "openapi", "docs", "routes"],
            "properties": {
                "name": {**text, "description": "this API's name"},
                "description": {**text, "description": "what it serves, in one paragraph"},
                "version": {**text, "description": "the version of the code serving it"},
                "licence": {**text, "description": "the code's licence; where the data's are"},
                "openapi": {**text, "description": "URL of the OpenAPI 3.1 document"},
                "docs": {**text, "description": "URL of the interactive documentation"},
                "routes": {
                    "type": "array",
                    "items": link,
                    "description": "every route of this API, by path",
                },
            },
        },
    )


def links(base: str) -> list[dict[str, Any]]:
    """Every documented route, by path."""
    found = [spec for spec in ENDPOINTS.values() if spec.documented]
    return [
        {
            "path": spec.path,
            "url": base + spec.path,
            "methods": list(READ_METHODS),
            "summary": spec.summary,
            "tag": spec.tag,
            "operation_id": spec.operation_id,
        }
        for spec in sorted(found, key=lambda s: s.path)
    ]


@route(
    bp,
    Endpoint(
        path="/",
        operation_id="index",
        summary="What this API is: links to every route, the OpenAPI document and the docs",
        tag="about",
        data=_index,
        cache="5 min",
    ),
)
def index(query: dict[str, Any]) -> Reply:
    catalogue = context.catalog()
    base = openapi.server_url(bp.current_request).rstrip("/")
    data = {
        "name": openapi.TITLE,
        "description": ABOUT,
        "version": __version__,
        "licence": LICENCE,
        "openapi": f"{base}/openapi.json",
        "docs": f"{base}/docs",
        "routes": links(base),
    }
    return Reply(body=envelope(data, sources=list(catalogue.sources.values())), max_age=MAX_AGE_S)
