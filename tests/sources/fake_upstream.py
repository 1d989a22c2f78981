"""A real HTTP server on 127.0.0.1 serving recorded answers, and a hand-built FetchContext."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web

from collector.http import HttpClient, make_session
from collector.plugin import FetchContext
from collector.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Upstream:
    """Routes by path; each handler may be swapped between ticks. Every request is recorded."""

    url: str = ""
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.path, dict(request.query), dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.json_response({"error": "no route in the fake"}, status=599)
        return await handler(request)


def reply(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    data = body.encode() if isinstance(body, str) else body

    async def handler(_: web.Request) -> web.StreamResponse:
        return web.Response(
            body=data, status=status, content_type="application/json", headers=headers
        )

    return handler


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    fake = Upstream()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", fake.dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    session = make_session("https://example.invalid/contact")
    try:
        yield HttpClient(session, timeout=5, retries=0)
    finally:
        await session.close()


def app_settings(upstream: Upstream, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "opendata_url": upstream.url,
        "saemes_url": upstream.url,
        "sncf_url": upstream.url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def context(
    http: HttpClient,
    app: Settings,
    settings: Any,
    state: dict[str, str] | None = None,
    now: datetime | None = None,
) -> FetchContext:
    return FetchContext(
        http=http.for_run(),
        settings=settings,
        app=app,
        state=state or {},
        now=now or datetime(2025, 11, 5, 2, 0, tzinfo=UTC),
        log=structlog.get_logger(),
    )
