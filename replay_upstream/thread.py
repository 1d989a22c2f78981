"""Run a :class:`ReplayUpstream` in a background thread, for synchronous callers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from replay_upstream.server import ReplayUpstream
from replay_upstream.world import World


class ThreadedReplay:
    """A :class:`ReplayUpstream` running in a background thread with its own event loop."""

    def __init__(
        self, upstream: ReplayUpstream, loop: asyncio.AbstractEventLoop, thread: threading.Thread
    ) -> None:
        self.upstream, self._loop, self._thread = upstream, loop, thread

    @property
    def url(self) -> str:
        return self.upstream.url

    @property
    def world(self) -> World:
        return self.upstream.world

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> ThreadedReplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(host: str = "127.0.0.1", port: int = 0, **options: Any) -> ThreadedReplay:
    """Start the server in a daemon thread; returns once it accepts connections."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            upstream = ReplayUpstream(host, port, **options)
            loop.run_until_complete(upstream.start())
        except BaseException as exc:  # reported to the caller below
            box["error"] = exc
            ready.set()
            loop.close()
            return
        box["upstream"], box["loop"] = upstream, loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(upstream.stop())
            loop.close()

    thread = threading.Thread(target=run, name="replay-upstream", daemon=True)
    thread.start()
    if not ready.wait(timeout=30):
        raise RuntimeError("the replay upstream did not start within 30 s")
    if "error" in box:
        raise RuntimeError(f"the replay upstream failed to start: {box['error']}") from box["error"]
    return ThreadedReplay(box["upstream"], box["loop"], thread)
