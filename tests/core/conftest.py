"""Fixtures of the core tests: a real HTTP upstream on 127.0.0.1 and a drop-in plugin dir."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from collector.plugin_settings import PluginSettings, resolve
from collector.registry import Registry, discover
from collector.settings import Settings, load_settings

PLUGIN_DIR = Path(__file__).parent.parent / "plugins"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


class Daemon:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []

    def read_until(self, done: Callable[[list[dict[str, Any]]], bool], timeout: float) -> None:
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line:
                try:
                    self.lines.append(json.loads(line))
                except json.JSONDecodeError:
                    self.lines.append({"event": "<not json>", "text": line})
                if done(self.lines):
                    return
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        raise AssertionError(f"condition not met; last log lines: {self.lines[-8:]}")

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("event") == event]


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Daemon]]:
    procs: list[subprocess.Popen[str]] = []

    def start(env_extra: dict[str, str]) -> Daemon:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
        env.update(
            PARIS_DATA_DIR=str(tmp_path / "data"),
            PARIS_PLUGIN_DIR=str(PLUGIN_DIR),
            PARIS_OPENDATA_URL=CLOSED,
            PARIS_SAEMES_URL=CLOSED,
            PARIS_SNCF_URL=CLOSED,
            PARIS_SOURCES__VELIB__GBFS_URL=f"{CLOSED}/gbfs.json",
            PARIS_HTTP_RETRIES="0",
            PARIS_LOG_FORMAT="json",
            **env_extra,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "collector.cli", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        return Daemon(proc)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@dataclass
class Upstream:
    """An aiohttp server whose answer to ``/counters.json`` the test controls."""

    url: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    hits: int = 0


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    state = Upstream()

    async def counters(request: web.Request) -> web.StreamResponse:
        state.hits += 1
        if state.delay:
            await asyncio.sleep(state.delay)
        body = state.body if state.body is not None else orjson.dumps(state.rows)
        return web.Response(body=body, status=state.status, content_type="application/json")

    app = web.Application()
    app.router.add_get("/counters.json", counters)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Settings on a fresh data dir, with the test plugin folder; overrides as kwargs."""
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_SNCF_TOKEN", "PARIS_STORAGE", "PARIS_CONFIG"):
        monkeypatch.delenv(name, raising=False)

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "plugin_dir": PLUGIN_DIR}
        values.update(overrides)
        return load_settings(None, **values)

    return build


def plugins_for(app: Settings) -> tuple[Registry, PluginSettings]:
    registry = discover(app.plugin_dir)
    return registry, resolve(registry, app)


@pytest.fixture
def upstream_in_thread() -> Iterator[Upstream]:
    """The same upstream on its own thread and loop, for tests that drive a subprocess."""
    import threading

    ready = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        holder["loop"] = loop

        async def main() -> None:
            gen = upstream.__wrapped__()  # type: ignore[attr-defined]
            holder["state"] = await gen.__anext__()
            holder["gen"] = gen
            ready.set()
            await holder.setdefault("stop", asyncio.Event()).wait()
            with contextlib.suppress(StopAsyncIteration):
                await gen.__anext__()

        holder["stop"] = asyncio.Event()
        loop.run_until_complete(main())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield holder["state"]
    holder["loop"].call_soon_threadsafe(holder["stop"].set)
    thread.join(10)
