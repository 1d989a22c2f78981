"""Fixtures of the fault suite (the replay upstream is registered at the root)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import AGGREGATIONS, GARE_DE_LYON, GARE_DU_NORD, TEST_TOKEN, Collector, Replay


@pytest.fixture
def collector(tmp_path: Path, replay_upstream: Replay) -> Iterator[Collector]:
    """A collector against the replay upstream: short intervals, quick retries, all sources
    off but the ones a test switches on (``collector.sources[name]["enabled"] = True``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARIS_", "AWS_"))}
    env.update(
        replay_upstream.env(),
        PARIS_DATA_DIR=str(tmp_path / "data"),
        PARIS_SNCF_TOKEN=TEST_TOKEN,
        PARIS_LOG_FORMAT="json",
        PARIS_LOG_LEVEL="info",
        PARIS_HTTP_TIMEOUT="2",
        PARIS_HTTP_RETRIES="1",
        PARIS_HTTP_BACKOFF="0.05",
        PARIS_JITTER="0",
        PARIS_HEALTH_PORT="0",
        PARIS_DRAIN_TIMEOUT="5",
        PARIS_BREAKER_THRESHOLD="5",
        PARIS_BREAKER_COOLDOWN="1",
        **{f"PARIS_AGGREGATIONS__{name.upper()}__ENABLED": "false" for name in AGGREGATIONS},
    )
    sources: dict[str, dict[str, Any]] = {
        "traffic": {"enabled": False, "interval": 1, "backfill_hours": 1},
        "parking": {"enabled": False, "interval": 1},
        "velib": {"enabled": False, "interval": 1},
        "departures": {
            "enabled": False,
            "interval": 1,
            "stop_areas": [GARE_DE_LYON, GARE_DU_NORD],
            "count": 20,
            "daily_quota": 10**7,
            "monthly_quota": 10**9,
        },
    }
    deployment = Collector(tmp_path, env, sources)
    yield deployment
    for daemon in deployment.daemons:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(timeout=10)
