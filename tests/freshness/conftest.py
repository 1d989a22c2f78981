"""Fixtures of the freshness tests: a collector deployment against the replay upstream."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.helpers import AGGREGATIONS, Collector, Replay


@pytest.fixture
def deployment(tmp_path: Path, replay_upstream: Replay) -> Iterator[Collector]:
    """A collector on a fresh data dir against the replay upstream, every source off but the
    ones a test switches on (``deployment.sources[name]["enabled"] = True``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARIS_", "AWS_"))}
    env.update(
        replay_upstream.env(),
        PARIS_DATA_DIR=str(tmp_path / "data"),
        PARIS_LOG_FORMAT="json",
        PARIS_HTTP_RETRIES="0",
        PARIS_JITTER="0",
        PARIS_HEALTH_PORT="0",
        PARIS_LAKE__ENABLED="false",
        **{f"PARIS_AGGREGATIONS__{name.upper()}__ENABLED": "false" for name in AGGREGATIONS},
    )
    sources: dict[str, dict[str, Any]] = {
        "traffic": {"enabled": False, "backfill_hours": 1},
        "parking": {"enabled": False},
        "velib": {"enabled": False},
        "departures": {"enabled": False},
    }
    found = Collector(tmp_path, env, sources)
    yield found
    for daemon in found.daemons:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(timeout=10)
