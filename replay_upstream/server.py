"""The replay upstream: one aiohttp app on one port serving the four real upstreams.

Point ``PARIS_OPENDATA_URL``, ``PARIS_SAEMES_URL`` and ``PARIS_SNCF_URL`` at its ``url``, and
``PARIS_SOURCES__VELIB__GBFS_URL`` at ``{url}/opendata/Velib_Metropole/gbfs.json``
(:meth:`ReplayClient.env` gives all four).
Use :class:`ReplayUpstream` inside an event loop (``async with``), or
:func:`start_in_thread` from synchronous code (tests, the demo command).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from replay_upstream import admin, gbfs, navitia, ods
from replay_upstream.faults import BODY_KINDS, Fault, echo_body, quota_body
from replay_upstream.navitia import NavitiaError
from replay_upstream.query import OdsHttpError
from replay_upstream.respond import FAULT, SENT, send_json, send_text
from replay_upstream.world import WORLD, Options, World

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
GATEWAY = (
    "<html>\r\n<head><title>{0} {1}</title></head>\r\n<body>\r\n<center><h1>{0} {1}</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
    429: "Too Many Requests",
    403: "Forbidden",
}


def _is_navitia(request: web.Request) -> bool:
    return request.path.startswith("/v1/")


def _credential(request: web.Request) -> str:
    """What the request authenticated with, verbatim (header, or ``apikey``/``key``)."""
    return (
        request.headers.get("Authorization")
        or request.query.get("apikey")
        or request.query.get("key")
        or ""
    )


async def _error_body(
    request: web.Request, status: int, fault: Fault, headers: dict[str, str] | None = None
) -> web.StreamResponse:
    if isinstance(fault.body, str):
        kind = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
        return await send_text(request, fault.body, status=status, content_type=kind)
    if fault.body is not None:
        return await send_json(request, fault.body, status=status, headers=headers)
    reason = REASONS.get(status, "Error")
    if status in (502, 503, 504):
        response = await send_text(request, GATEWAY.format(status, reason), status=status)
        response.headers.update(headers or {})
        return response
    if _is_navitia(request):
        return await send_json(request, {"message": reason}, status=status, headers=headers)
    code = "".join(reason.title().split()) + "Error"
    return await send_json(
        request, {"message": reason, "error_code": code}, status=status, headers=headers
    )


async def _before(request: web.Request, fault: Fault) -> web.StreamResponse | None:
    """Faults answered instead of the upstream (``None``: let the handler answer)."""
    if fault.kind in ("hang", "slow"):
        await asyncio.sleep(
            fault.delay if fault.delay is not None else (3600.0 if fault.kind == "hang" else 2.0)
        )
        return None
    if fault.kind == "status":
        return await _error_body(request, fault.status or 500, fault)
    if fault.kind == "retry_after":
        headers = {"Retry-After": str(fault.retry_after if fault.retry_after is not None else 2)}
        return await _error_body(request, fault.status or 503, fault, headers)
    if fault.kind == "echo_credential":
        status = fault.status or 401
        echoed = echo_body(_credential(request), status, _is_navitia(request))
        return await send_json(request, echoed, status=status)
    if fault.kind == "quota":
        if _is_navitia(request):
            return await send_json(request, {"message": "API rate limit exceeded"}, status=429)
        return await send_json(request, quota_body(fault), status=429)
    if fault.kind == "not_found":
        if _is_navitia(request):
            area = request.path.split("/stop_areas/")[-1].split("/")[0]
            body: dict[str, Any] = {
                "error": {"id": "unknown_object", "message": f"Invalid id : {area}"}
            }
            return await send_json(request, body, status=404)
        dataset = request.path.split("/datasets/")[-1].split("/")[0]
        return await send_json(request, ods.not_found(dataset).body, status=404)
    return None


@web.middleware
async def replay_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_replay/"):
        return await handler(request)
    world = request.app[WORLD]
    sent = [0]
    request[SENT] = sent
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "status": 499,
        "bytes": 0,
        "fault": None,
        "clock": world.clock.now().isoformat(),
    }
    started = time.monotonic()
    fault = world.faults.take(request.path_qs)
    try:
        response = None
        if fault is not None:
            entry["fault"] = fault.kind
            response = await _before(request, fault)
            if fault.kind in BODY_KINDS:
                request[FAULT] = fault
        if response is None:
            try:
                response = await handler(request)
            except OdsHttpError as exc:
                request.pop(FAULT, None)
                response = await send_json(request, exc.body, status=exc.status)
            except NavitiaError as exc:
                request.pop(FAULT, None)
                response = await send_json(
                    request, exc.body, status=exc.status, content_type="application/json"
                )
        entry["status"] = response.status
        return response
    except web.HTTPException as exc:
        entry["status"] = exc.status
        raise
    finally:
        entry["bytes"] = sent[0]
        entry["ms"] = round((time.monotonic() - started) * 1000, 1)
        world.log.add(entry)


def make_app(world: World) -> web.Application:
    app = web.Application(middlewares=[replay_middleware])
    app[WORLD] = world
    app.add_routes(admin.routes() + ods.routes() + navitia.routes() + gbfs.routes())
    return app


class ReplayUpstream:
    """``async with ReplayUpstream(port=0) as up: up.url`` (options: see :class:`Options`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.host, self.port = host, port
        self.world = World.build(Options(**options))
        self.app = make_app(self.world)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        # Handlers stop when their client goes away (a hung request ends with its client).
        self._runner = web.AppRunner(
            self.app,
            access_log=None,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ReplayUpstream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
