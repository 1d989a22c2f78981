"""``/docs``: interactive documentation (Swagger UI), served by the API itself, working offline.

The page, its script, style and icons all come from this API (the ``swagger-ui-bundle``
package, see :mod:`chalicelib.swagger_assets`): no CDN, no external URL. Every URL in the page
is relative, so it works under API Gateway's stage prefix (``/api/docs`` loads
``/api/docs/swagger-ui.css``) as on ``127.0.0.1``. The page loads ``docs/openapi.json``, the
API's document in OpenAPI 3.0 (:mod:`chalicelib.openapi30`), since Swagger UI 4 reads no 3.1.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context, openapi, openapi30, swagger_assets
from chalicelib.web import Endpoint, Reply, route

bp = Blueprint(__name__)
PAGE_MAX_AGE_S = 300
ASSET_MAX_AGE_S = 86_400
"""The assets change only with the package's version (and their ETag with them)."""
HTML = "text/html; charset=utf-8"

PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: documentation</title>
<link rel="stylesheet" href="{base}docs/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="{base}docs/favicon-16x16.png" sizes="16x16">
<style>body {{ margin: 0; background: #fafafa; }}</style>
</head>
<body>
<div id="swagger-ui"></div>
<noscript>This page needs JavaScript; the API's document is at
<a href="{base}openapi.json">openapi.json</a>.</noscript>
<script src="{base}docs/swagger-ui-bundle.js" charset="utf-8"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: "{base}docs/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
</script>
</body>
</html>
"""
"""``validatorUrl: null``: by default Swagger UI asks validator.swagger.io for a badge."""


def _html(components: Any) -> dict[str, Any]:
    return {"type": "string", "description": "an HTML page"}


def base_of(path: str) -> str:
    """The way back to the API's root from the page: ``/docs/`` is one level deeper than
    ``/docs`` (both reach this route: API Gateway and Chalice drop a trailing slash)."""
    return "../" if path.endswith("/") else ""


@route(
    bp,
    Endpoint(
        path="/docs",
        operation_id="docs",
        summary="Interactive documentation of this API (Swagger UI, served from the API)",
        tag="about",
        body=_html,
        media_type=HTML,
        cache="5 min",
    ),
)
def docs(query: dict[str, Any]) -> Reply:
    request = bp.current_request
    path = str(request.context.get("path", "")) if request is not None else ""
    page = PAGE.format(title=openapi.TITLE, base=base_of(path))
    return Reply(body=page.encode(), max_age=PAGE_MAX_AGE_S, media_type=HTML)


@route(
    bp,
    Endpoint(
        path="/docs/openapi.json",
        operation_id="docs_openapi30",
        summary="This API's document in OpenAPI 3.0, for the docs page",
        tag="about",
        cache="5 min",
        documented=False,
    ),
)
def document_30(query: dict[str, Any]) -> Reply:
    context.catalog()  # as /openapi.json: the analytics' schemas come from their plugins
    doc = openapi30.downgrade(openapi.document(bp.current_request))
    return Reply(body=doc, max_age=PAGE_MAX_AGE_S)


def _asset_route(name: str, media_type: str) -> None:
    def asset(query: dict[str, Any]) -> Reply:
        return Reply(body=swagger_assets.read(name), max_age=ASSET_MAX_AGE_S, media_type=media_type)

    route(
        bp,
        Endpoint(
            path=f"/docs/{name}",
            operation_id="docs_" + name.replace("-", "_").replace(".", "_"),
            summary=f"Swagger UI's {name}",
            tag="about",
            media_type=media_type,
            cache="1 day",
            documented=False,
        ),
    )(asset)


for _name, _media_type in swagger_assets.ASSETS.items():
    _asset_route(_name, _media_type)
