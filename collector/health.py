"""The daemon's own HTTP endpoint: ``/healthz``, ``/readyz``, ``/metrics`` (Prometheus).

Bound to 127.0.0.1 by default (``PARIS_HEALTH_HOST``/``PARIS_HEALTH_PORT``; port 0 turns it
off): it is for the machine's monitoring agent, not for the internet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from collector.metrics import Metrics


class Health:
    """What the endpoints report; the daemon updates it."""

    def __init__(self, metrics: Metrics, stale_after: float) -> None:
        self.metrics = metrics
        self.stale_after = stale_after
        self.heartbeat = time.monotonic()
        self.storage_ok = False
        self.started = False
        self.sources: Callable[[], dict[str, Any]] = dict

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self.heartbeat < self.stale_after

    def ready(self) -> bool:
        return self.started and self.storage_ok and self.alive()


def make_app(health: Health) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        ok = health.alive()
        body = {
            "status": "ok" if ok else "stalled",
            "heartbeat_age_s": round(time.monotonic() - health.heartbeat, 3),
        }
        return _json(body, 200 if ok else 503)

    async def readyz(_request: web.Request) -> web.Response:
        ok = health.ready()
        body = {
            "status": "ready" if ok else "not ready",
            "storage": health.storage_ok,
            "scheduler": health.started,
            "sources": health.sources(),
        }
        return _json(body, 200 if ok else 503)

    async def metrics(_request: web.Request) -> web.Response:
        body = generate_latest(health.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


def _json(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


async def start(health: Health, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(make_app(health), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
