"""The whole platform against the replay upstream, driven through the CLI as a user would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from replay_upstream.pytest_plugin import Replay

TOKEN = "integration-token"


@pytest.fixture
def platform(
    replay_upstream: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """Environment of a collector pointed at the replay upstream, on a fresh data dir.

    The replay clock is set to now by default: the analytics compare observation times with
    the wall clock. ``clock`` sets another time (e.g. a busy hour for the trains).
    """
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_PLUGIN_DIR", "PARIS_SNCF_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def setup(*, token: bool = True, clock: datetime | None = None) -> Path:
        replay_upstream.set_clock(clock or datetime.now(UTC))
        for key, value in replay_upstream.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("PARIS_HTTP_RETRIES", "0")
        # Two hours of traffic history keep the tests quick; the full day is benchmarked.
        monkeypatch.setenv("PARIS_SOURCES__TRAFFIC__BACKFILL_HOURS", "2")
        if token:
            monkeypatch.setenv("PARIS_SNCF_TOKEN", TOKEN)
        return tmp_path / "data"

    return setup
