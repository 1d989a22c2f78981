"""Pytest fixtures for the replay upstream.

Register with ``pytest_plugins = ["replay_upstream.pytest_plugin"]`` (root conftest), or
import the fixtures into a conftest. One server per session, in a background thread;
``replay_upstream`` resets it (faults, request log, clock, tokens) before each test.

The test clock starts at :data:`TEST_START` (a Tuesday evening, as in the upstream docs) and
is frozen: ``replay_upstream.advance(hours=1)`` publishes the next traffic hour. Call
``replay_upstream.accelerate(1)`` for a running clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from replay_upstream.client import ReplayClient
from replay_upstream.thread import ThreadedReplay, start_in_thread
from replay_upstream.world import World

TEST_START = datetime(2025, 11, 4, 22, 30, tzinfo=UTC)  # last published t_1h: 22:00 UTC
TEST_TOKEN = "replay-test-token"


class Replay(ReplayClient):
    """The running server's ``url`` plus the admin client; ``world`` for direct reads."""

    def __init__(self, server: ThreadedReplay) -> None:
        super().__init__(server.url)
        self.server = server

    @property
    def world(self) -> World:
        return self.server.world


@pytest.fixture(scope="session")
def replay_upstream_server() -> Iterator[ThreadedReplay]:
    server = start_in_thread(seed=0, start=TEST_START, accelerate=0.0)
    yield server
    server.stop()


@pytest.fixture
def replay_upstream(replay_upstream_server: ThreadedReplay) -> Replay:
    replay = Replay(replay_upstream_server)
    replay.reset()
    return replay
