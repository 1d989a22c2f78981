"""Fixtures of the revisit tests: the traffic source alone, on a fresh local store, against
the replay upstream publishing up to 45 h behind the collector's clock (as the real publisher
runs one to two days behind), so that its two-day window holds three published hours."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.daemon import Services
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings, load_settings
from collector.storage.local import LocalReader
from replay_upstream.pytest_plugin import Replay

OTHER_SOURCES = ("PARKING", "DEPARTURES", "VELIB")
BEHIND = timedelta(hours=45)
"""How far the replay's clock is behind the collector's (real) one."""

Silver = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture
def now(replay_upstream: Replay) -> datetime:
    """The collector's clock (real time: the store's retention reads it); the replay's,
    frozen, is :data:`BEHIND` it."""
    moment = datetime.now(UTC).replace(microsecond=0)
    replay_upstream.set_clock(moment - BEHIND)
    return moment


@pytest.fixture
def environ(
    replay_upstream: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Settings]:
    """Point the collector (settings and CLI) at the replay, traffic only; returns a loader."""
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_PLUGIN_DIR", "PARIS_SNCF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for key, value in replay_upstream.env().items():
        monkeypatch.setenv(key, value)
    for name in OTHER_SOURCES:
        monkeypatch.setenv(f"PARIS_SOURCES__{name}__ENABLED", "false")
    monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARIS_HTTP_RETRIES", "0")
    monkeypatch.setenv("PARIS_LAKE__ENABLED", "false")
    # A first run fetches the three published hours of the window, as a revisit does.
    monkeypatch.setenv("PARIS_SOURCES__TRAFFIC__BACKFILL_HOURS", "3")

    def load(**env: str) -> Settings:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return load_settings(None)

    return load


@pytest.fixture
async def services(environ: Callable[..., Settings], now: datetime) -> AsyncIterator[Services]:
    """The daemon's services (a runner for traffic), the replay :data:`BEHIND` ``now``."""
    app = environ()
    registry = discover(app.plugin_dir)
    async with Services(app, registry, resolve(registry, app)) as running:
        yield running


def silver(data_dir: Path, table: str = "silver") -> Silver:
    """Every traffic row of the history (or the latest view), by (arc, hour)."""
    reader = LocalReader(data_dir)
    try:
        rows = reader.conn.execute(
            f"SELECT entity_id, observed_at, data FROM {table} WHERE dataset = 'traffic'"
        ).fetchall()
    finally:
        reader.close()
    return {(arc, hour): orjson.loads(data) for arc, hour, data in rows}


def changed(before: Silver, after: Silver) -> set[tuple[str, str]]:
    """The keys added or whose data changed."""
    return {key for key, data in after.items() if before.get(key) != data}
