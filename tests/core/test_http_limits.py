"""The largest response body a source reads: an endless or oversized body fails the run at
once, with the limit in the message, and the read stops (memory stays bounded)."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import orjson
import pytest
from aiohttp import web

from collector.daemon import Services, run_once
from collector.http import HttpClient, make_session
from collector.plugin import SourceError
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings, SettingsError
from collector.storage.local import LocalReader
from tests.core.conftest import Upstream, plugins_for

MiB = 1024 * 1024
CHUNK = b"x" * 65536


@dataclass
class Endless:
    url: str = ""
    sent: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)


@pytest.fixture
async def endless() -> AsyncIterator[Endless]:
    state = Endless()

    async def stream(request: web.Request, declared: int | None) -> web.StreamResponse:
        name = request.path.strip("/")
        state.hits[name] = state.hits.get(name, 0) + 1
        response = web.StreamResponse()
        if declared is not None:
            response.content_length = declared
        await response.prepare(request)
        state.sent[name] = 0
        try:
            while declared is None or state.sent[name] < declared:
                await response.write(CHUNK)
                state.sent[name] += len(CHUNK)
        except (ConnectionResetError, RuntimeError):  # the client hung up: what we expect
            pass
        return response

    async def forever(request: web.Request) -> web.StreamResponse:
        return await stream(request, None)

    async def declared(request: web.Request) -> web.StreamResponse:
        return await stream(request, 10 * 1024 * MiB)

    # 64 KiB on the wire, 64 MiB once decoded: the limit is on what is decoded. (Built
    # before any test measures memory: the server runs in the test's process.)
    bomb_body = gzip.compress(bytes(64 * MiB))

    async def bomb(request: web.Request) -> web.Response:
        return web.Response(
            body=bomb_body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    async def small(request: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps({"ok": True}), content_type="application/json")

    app = web.Application()
    app.router.add_get("/forever", forever)
    app.router.add_get("/declared", declared)
    app.router.add_get("/bomb", bomb)
    app.router.add_get("/small", small)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


async def _get(url: str, limit: int) -> tuple[SourceError, int, float]:
    """GET ``url`` under ``limit``; the error, the peak memory it took and the time."""
    async with make_session("test") as session:
        client = HttpClient(session, timeout=30, retries=3, backoff=0.01).for_run(
            max_body_bytes=limit
        )
        tracemalloc.start()
        clock = time.monotonic()
        try:
            with pytest.raises(SourceError) as caught:
                await client.get(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return caught.value, peak, time.monotonic() - clock


async def test_an_endless_body_stops_at_the_limit(endless: Endless) -> None:
    error, peak, took = await _get(f"{endless.url}/forever", 2 * MiB)
    assert f"response body from {endless.url}/forever exceeds {2 * MiB} bytes" in str(error)
    assert took < 10
    assert peak < 8 * MiB  # what was read, not what the upstream would have sent
    await asyncio.sleep(0.2)  # the server notices the hang-up
    assert endless.sent["forever"] < 2 * MiB + 16 * MiB  # the limit plus socket buffers
    assert endless.hits["forever"] == 1  # not retried: the upstream would send the same


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    endless: Endless,
) -> None:
    error, peak, _took = await _get(f"{endless.url}/declared", 2 * MiB)
    assert f"exceeds {2 * MiB} bytes (declares {10 * 1024 * MiB} bytes)" in str(error)
    assert peak < 1 * MiB
    assert endless.hits["declared"] == 1


async def test_a_compressed_body_is_limited_by_its_decoded_size(endless: Endless) -> None:
    error, peak, _took = await _get(f"{endless.url}/bomb", 4 * MiB)
    assert f"exceeds {4 * MiB} bytes" in str(error)
    assert peak < 16 * MiB


async def test_a_body_under_the_limit_is_read_whole(endless: Endless) -> None:
    async with make_session("test") as session:
        client = HttpClient(session, timeout=30, retries=0).for_run(max_body_bytes=11)
        response = await client.get(f"{endless.url}/small")
    assert response.json() == {"ok": True} and client.stats.bytes == 11


async def test_an_oversized_body_fails_the_run_and_the_source_goes_on(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    app = make_app(sources={"counter": {"url": upstream.url, "max_body_bytes": 1000}})
    registry, plugins = plugins_for(app)
    rows = [{"id": f"e{i}", "at": "2025-11-04T19:00:00+00:00", "value": i} for i in range(100)]
    async with Services(app, registry, plugins) as services:
        upstream.rows = rows
        [big] = await run_once(services, ["counter"])
        upstream.rows = rows[:3]
        [small] = await run_once(services, ["counter"])
    assert big.status == "failed" and "exceeds 1000 bytes" in str(big.error)
    assert (small.status, small.written) == ("ok", 3)
    state = LocalReader(app.data_dir).states()["counter"]
    assert "exceeds 1000 bytes" in state["last_error"]
    bronze = list((app.data_dir / "bronze" / "raw" / "counter").rglob("*.json.gz"))
    assert len(bronze) == 1  # only the payload that was read whole


def test_the_limit_is_a_positive_setting(make_app: Callable[..., Settings]) -> None:
    registry = discover(make_app().plugin_dir)
    default = resolve(registry, make_app())
    assert default.sources["counter"].max_body_bytes == 256 * MiB
    with pytest.raises(SettingsError, match="PARIS_SOURCES__COUNTER__MAX_BODY_BYTES"):
        resolve(registry, make_app(sources={"counter": {"max_body_bytes": 0}}))
