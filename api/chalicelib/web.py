"""From a view's result to the HTTP answer: envelope, errors, caching, ETag, gzip and CORS.

Every route is declared through :func:`route` with an :class:`Endpoint`: the declaration
registers the Chalice route (GET, and HEAD answered by the same view without the body),
checks the query against the declared parameters, turns errors into JSON answers, and is
what :mod:`chalicelib.openapi` documents and the index (``/``) links to.

Bodies are always bytes and ``app.api.binary_types`` is ``["*/*"]``: Chalice then hands every
body to API Gateway base64-encoded, so a gzip body survives the trip (API Gateway decodes it,
``chalice local`` and ``chalice.test.Client`` too). Chalice refuses a binary answer to a request
without an ``Accept`` header; :func:`accept_any` (a middleware) gives such a request the
``Accept: */*`` that a missing header means (RFC 9110).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson
from chalice.app import Blueprint, CaseInsensitiveMapping, CORSConfig, Request, Response

from chalicelib import context
from chalicelib.catalog import ConfigError, SourceInfo
from chalicelib.errors import ApiError
from chalicelib.params import Param, parse_query
from collector.source_state import SourceState
from collector.storage import StorageError
from readlayer.status import is_stale

log = logging.getLogger("paris.api")

JSON = "application/json"
BINARY_TYPES = ["*/*"]
READ_METHODS = ("GET", "HEAD")
ANY_CONTENT = ["*/*"]
"""Chalice answers 415 to a request whose ``Content-Type`` a route does not list; a read route
has no request body, so it takes any (a stray ``Content-Type`` on a GET is no reason to fail)."""
GZIP_MIN_BYTES = 1024
RETRY_AFTER_S = 30
CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["If-None-Match", "X-Api-Key"],
    expose_headers=["ETag", "Retry-After"],
    max_age=600,
)
CORS_HEADERS: dict[str, str] = CORS.get_access_control_headers()
"""What Chalice adds to the answers of a CORS route, for the answers of the routes without one
(the 405 views: giving them the config would list their methods in the preflight's Allow)."""
API_KEY_REQUIRED = context.api_key_required()


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What a view returns: a body and how long a client may cache it."""

    body: Any
    """JSON-able, or ``bytes`` sent as they are (with ``media_type``)."""
    max_age: int | None = None
    """Seconds; ``None`` = ``no-store``."""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str = JSON


SchemaFn = Callable[["Components"], dict[str, Any]]


class Components:
    """OpenAPI ``components/schemas`` being filled while the document is built."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, name: str, schema: Mapping[str, Any]) -> dict[str, str]:
        self.schemas.setdefault(name, dict(schema))
        return {"$ref": f"#/components/schemas/{name}"}


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    path: str
    operation_id: str
    summary: str
    tag: str
    params: tuple[Param, ...] = ()
    path_params: tuple[tuple[str, str], ...] = ()
    """``(name, description)`` of each ``{name}`` in the path."""
    data: SchemaFn | None = None
    """The OpenAPI schema of ``data`` in the envelope (None: the body is not an envelope)."""
    body: SchemaFn | None = None
    """The whole body's schema when it is not an envelope."""
    description: str = ""
    cache: str = "half the source's interval"
    not_found: bool = False
    media_type: str = JSON
    """The ``Content-Type`` of a 200 (errors are always JSON)."""
    documented: bool = True
    """In ``/openapi.json`` and the index; the docs page's script and style files are not."""


ENDPOINTS: dict[str, Endpoint] = {}


def route(bp: Blueprint, spec: Endpoint) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
    """Declare a GET (and HEAD) route: ``view(query, **path_params) -> Reply``."""

    def register(view: Callable[..., Reply]) -> Callable[..., Reply]:
        def handler(**path_params: str) -> Response:
            request = bp.current_request
            reply = answer(spec, view, request, path_params)
            return render(request, reply)

        handler.__name__ = spec.operation_id
        bp.route(
            spec.path,
            methods=list(READ_METHODS),
            cors=CORS,
            api_key_required=API_KEY_REQUIRED,
            content_types=ANY_CONTENT,
            name=spec.operation_id,
        )(handler)
        ENDPOINTS[spec.operation_id] = spec
        return view

    return register


def answer(
    spec: Endpoint, view: Callable[..., Reply], request: Request, path_params: Mapping[str, str]
) -> Reply:
    try:
        query = request.query_params
        given = {name: query.getlist(name) for name in query} if query else {}
        values = parse_query(spec.params, given)
        # API Gateway decodes path parameters; chalice local does not: decode once here.
        return view(values, **{k: unquote(v) for k, v in path_params.items()})
    except ApiError as exc:
        return error(exc)
    except StorageError as exc:
        log.warning("storage unavailable: %s", exc)
        return unavailable()
    except ConfigError as exc:
        log.error("API misconfigured: %s", exc)
        return error(ApiError(500, "misconfigured", "the API is misconfigured; see its log"))
    except Exception:
        log.exception("unexpected error on %s", spec.path)
        return error(ApiError(500, "internal_error", "unexpected error; see the API log"))


def error(exc: ApiError) -> Reply:
    return Reply(body=exc.body(), status=exc.status)


def unavailable() -> Reply:
    exc = ApiError(503, "storage_unavailable", "the data store is unreachable; retry later")
    return Reply(body=exc.body(), status=503, headers={"Retry-After": str(RETRY_AFTER_S)})


def accept_any(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: no ``Accept`` header means any type (see the module docstring)."""
    if not request.headers.get("accept"):
        request.headers = CaseInsensitiveMapping({**request.headers, "accept": "*/*"})
    return get_response(request)


# rendering ------------------------------------------------------------------------------------
def render(request: Request | None, reply: Reply) -> Response:
    """The HTTP answer: a HEAD gets the GET's status and headers (``Content-Length`` of the
    body it would have had) and no body."""
    response = _render(request, reply)
    if request is not None and request.method == "HEAD":
        response.headers["Content-Length"] = str(len(response.body))
        response.body = b""
    return response


def _render(request: Request | None, reply: Reply) -> Response:
    payload = reply.body if isinstance(reply.body, bytes) else orjson.dumps(reply.body)
    headers: dict[str, str | list[str]] = {"Content-Type": reply.media_type, **reply.headers}
    if reply.status != 200 or reply.max_age is None:
        headers["Cache-Control"] = "no-store"
        return Response(body=payload, status_code=reply.status, headers=headers)
    scope = "private" if API_KEY_REQUIRED else "public"
    headers["Cache-Control"] = f"{scope}, max-age={reply.max_age}"
    headers["Vary"] = "Accept-Encoding"
    digest = hashlib.sha256(payload).hexdigest()[:32]
    request_headers = request.headers if request is not None else {}
    if etag_matches(request_headers.get("if-none-match", ""), digest):
        headers["ETag"] = f'"{digest}"'
        return Response(body=b"", status_code=304, headers=headers)
    if len(payload) >= GZIP_MIN_BYTES and accepts_gzip(request_headers.get("accept-encoding", "")):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
        headers["ETag"] = f'"{digest}-gzip"'
    else:
        headers["ETag"] = f'"{digest}"'
    return Response(body=payload, status_code=200, headers=headers)


def etag_matches(header: str, digest: str) -> bool:
    """Weak comparison (RFC 9110): the gzip and identity forms of one body match."""
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/").strip('"').removesuffix("-gzip")
        if tag == digest:
            return True
    return False


def accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        name, _, rest = part.strip().partition(";")
        if name.strip() not in ("gzip", "x-gzip", "*"):
            continue
        quality = 1.0
        for option in rest.split(";"):
            key, _, value = option.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


# the envelope --------------------------------------------------------------------------------
def now() -> datetime:
    return datetime.now(UTC)


def max_age(interval_s: int) -> int:
    """Half the interval, 5 s to 30 min: a cached answer is at most 1.5 intervals old."""
    return max(5, min(interval_s // 2, 1800))


def freshness(
    updated_at: str | None, data_freshness: str | None, interval_s: int
) -> dict[str, Any]:
    """The ``meta.freshness`` of an answer; ``stale`` is the read layer's one rule."""
    stale = is_stale(updated_at, interval_s, now())
    return {
        "updated_at": updated_at,
        "data_freshness": data_freshness,
        "interval_s": interval_s,
        "stale": stale,
    }


def source_freshness(info: SourceInfo) -> dict[str, Any]:
    state = SourceState.from_stored(context.reader().state(info.name))
    return freshness(state.last_success_at, state.data_freshness, info.interval_s)


def envelope(
    data: Any,
    *,
    sources: Sequence[SourceInfo] = (),
    observed_at: str | None = None,
    fresh: dict[str, Any] | None = None,
    next_token: str | None = None,
) -> dict[str, Any]:
    """``{"data": ..., "meta": {...}}``, the same keys on every endpoint."""
    licences = list(dict.fromkeys(s.licence for s in sources if s.licence))
    attributions = list(dict.fromkeys(s.attribution for s in sources if s.attribution))
    return {
        "data": data,
        "meta": {
            "count": len(data) if isinstance(data, list) else 1,
            "observed_at": observed_at,
            "freshness": fresh,
            "licence": "; ".join(licences) or None,
            "attribution": "; ".join(attributions) or None,
            "sources": [s.name for s in sources],
            "next": next_token,
        },
    }
