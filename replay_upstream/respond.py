"""Answer helpers shared by the emulated upstreams: JSON bodies, truncation, byte counts."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from replay_upstream.faults import Fault

FAULT = web.RequestKey("replay_fault", Fault)
SENT = web.RequestKey("replay_bytes", list[int])  # [bytes of body sent]


def fault_of(request: web.Request) -> Fault | None:
    return request.get(FAULT)


def count(request: web.Request, n: int) -> None:
    if SENT in request:
        request[SENT][0] += n


def cut(request: web.Request) -> None:
    """Drop the connection now, as a crashed upstream or a broken proxy does."""
    if request.transport is not None:
        request.transport.abort()


async def send_json(
    request: web.Request,
    payload: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json; charset=utf-8",
) -> web.StreamResponse:
    """``payload`` as JSON; a ``truncate`` fault sends part of it then drops the connection
    (the announced Content-Length is never reached)."""
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    fault = fault_of(request)
    if fault is not None and fault.kind == "truncate":
        response = web.StreamResponse(status=status, headers=headers)
        response.content_type = content_type.split(";")[0]
        response.content_length = len(body)
        await response.prepare(request)
        part = body[: int(len(body) * fault.fraction)]
        await response.write(part)
        count(request, len(part))
        cut(request)
        return response
    count(request, len(body))
    response = web.Response(body=body, status=status, headers=headers)
    response.headers["Content-Type"] = content_type
    return response


async def send_text(
    request: web.Request, text: str, *, status: int, content_type: str = "text/html"
) -> web.Response:
    body = text.encode()
    count(request, len(body))
    return web.Response(body=body, status=status, content_type=content_type, charset="utf-8")
