"""What no view of a resource answers, in the API's error envelope, with CORS headers.

API Gateway answers a path or a method that no resource declares with its own 403 ("Missing
Authentication Token"), before Lambda runs: nothing in the function can change that answer.
So :func:`register` declares a route for every such request, and they all reach a view:

- a greedy catch-all, ``/{proxy+}``: API Gateway gives it every path that no more specific
  resource matches, and Chalice routes it by its resource path (a view with no arguments:
  Chalice 1.34 does not pass ``{proxy+}`` on, nor route it in ``chalice local``);
- each path *between* declared ones (``/parkings/{id}`` of ``/parkings/{id}/history``): API
  Gateway creates that resource without a method, and a request that ends on it would get the
  403 too (it does not fall back to the catch-all);
- POST, PUT, PATCH and DELETE on every route: a 405 with ``Allow``. They are declared without
  Chalice's CORS config, so the preflight (``OPTIONS``) keeps listing only GET and HEAD; their
  answers carry the same CORS headers anyway.

:func:`chalice_errors` (a middleware) puts the few errors Chalice makes itself (a 405 for a
method no view has, a 500 it caught) in the same envelope.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from chalice.app import Chalice, Request, Response

from chalicelib.errors import ApiError, method_not_allowed, no_route
from chalicelib.web import (
    ANY_CONTENT,
    API_KEY_REQUIRED,
    CORS,
    CORS_HEADERS,
    READ_METHODS,
    Reply,
    render,
)

CATCH_ALL = "/{proxy+}"
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ALLOW = ", ".join((*READ_METHODS, "OPTIONS"))
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "bad_request",
    "InternalServerError": "internal_error",
}


def between(paths: Iterable[str]) -> list[str]:
    """The paths that lead to a declared one without being declared (``/a/{b}`` of
    ``/a/{b}/c``), in order."""
    declared = set(paths)
    found: dict[str, None] = {}
    for path in sorted(declared):
        parts = path.strip("/").split("/")
        for end in range(1, len(parts)):
            prefix = "/" + "/".join(parts[:end])
            if prefix not in declared:
                found[prefix] = None
    return list(found)


def register(app: Chalice) -> None:
    """Declare the 404 and 405 routes; call it once, after every other route is declared."""
    declared = [path for path in app.routes if path != CATCH_ALL]

    def not_found(**path_params: str) -> Response:
        request = app.current_request
        path = request.context.get("path", request.path) if request is not None else "?"
        return answer(request, no_route(strip_stage(path, request)))

    def not_allowed(**path_params: str) -> Response:
        request = app.current_request
        method = request.method if request is not None else "?"
        return answer(request, method_not_allowed(method, ALLOW), {"Allow": ALLOW})

    common = {"api_key_required": API_KEY_REQUIRED, "content_types": ANY_CONTENT}
    for path in [*between(declared), CATCH_ALL]:
        name = f"no_route_{slug(path)}"
        app.route(path, methods=list(READ_METHODS), cors=CORS, name=name, **common)(not_found)
        app.route(path, methods=list(OTHER_METHODS), name=f"{name}_other", **common)(not_found)
    for path in declared:
        name = f"not_allowed_{slug(path)}"
        app.route(path, methods=list(OTHER_METHODS), name=name, **common)(not_allowed)


def answer(
    request: Request | None, exc: ApiError, headers: dict[str, str] | None = None
) -> Response:
    extra = {**CORS_HEADERS, **(headers or {})}
    return render(request, Reply(body=exc.body(), status=exc.status, headers=extra))


def strip_stage(path: str, request: Request | None) -> str:
    """The path as the routes spell it: on an execute-api host, API Gateway's
    ``requestContext.path`` starts with the stage (``/api/nowhere``); on a custom domain not."""
    if request is None:
        return path
    stage = request.context.get("stage")
    on_execute_api = request.headers.get("host", "").endswith(".amazonaws.com")
    if stage and on_execute_api and path.startswith(f"/{stage}/"):
        return path[len(stage) + 1 :]
    return path


def slug(path: str) -> str:
    return re.sub(r"\W+", "_", path).strip("_") or "root"


def chalice_errors(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: an error Chalice answered itself (``{"Code", "Message"}``) in the
    envelope, with CORS headers."""
    response = get_response(request)
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or set(body) != {"Code", "Message"}:
        return response
    chalice_code = str(body["Code"])
    code = _CHALICE_CODES.get(chalice_code) or re.sub(r"(?<!^)(?=[A-Z])", "_", chalice_code).lower()
    # Chalice's Allow would list the 405 views too: the methods that answer are these.
    headers = {"Allow": ALLOW} if response.status_code == 405 else {}
    return answer(request, ApiError(response.status_code, code, str(body["Message"])), headers)
