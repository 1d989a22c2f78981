"""Fixtures of the ledger tests: the real sources against the replay upstream, run in-process
at chosen instants (the replay clock set to each), on the local or the AWS (moto) backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from collector.daemon import Services
from collector.plugin import Source
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.runner import RunResult
from collector.settings import Settings, load_settings
from replay_upstream.pytest_plugin import TEST_TOKEN, Replay


@dataclass
class Collector:
    """A collector's services on one store, its sources run at instants the test picks."""

    replay: Replay
    services: Services

    @property
    def store(self) -> Any:
        return self.services.store

    def source(self, name: str) -> Source:
        return self.services.registry.source(name)

    def settings(self, name: str) -> Any:
        return self.services.plugins.sources[name]

    async def run(self, name: str, at: datetime) -> RunResult:
        """One run of ``name`` at ``at``: the upstream's clock and the run's agree."""
        self.replay.set_clock(at)
        result = await self.services.runners[name].run(now=at)
        assert result.status in ("ok", "empty", "unchanged"), result
        return result


def _settings(
    replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: Any
) -> Settings:
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_PLUGIN_DIR", "PARIS_SNCF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for key, value in replay.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PARIS_SNCF_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("PARIS_HTTP_RETRIES", "0")
    monkeypatch.setenv("PARIS_SOURCES__TRAFFIC__BACKFILL_HOURS", "2")
    return load_settings(None, data_dir=tmp_path / "data", **extra)


@pytest.fixture(params=["local", "aws"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_collector(
    replay_upstream: Replay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Callable[[str], Any]:
    """``async with make_collector("local" | "aws") as collector``."""

    def make(backend: str) -> Any:
        extra: dict[str, Any] = {}
        if backend == "aws":
            aws: Settings = request.getfixturevalue("aws_settings")
            extra = {
                "storage": "aws",
                "s3_bucket": aws.s3_bucket,
                "table_prefix": aws.table_prefix,
                "aws_endpoint_url": aws.aws_endpoint_url,
                "aws_region": aws.aws_region,
            }
        app = _settings(replay_upstream, tmp_path, monkeypatch, **extra)
        return _open(replay_upstream, app)

    return make


class _open:
    def __init__(self, replay: Replay, app: Settings) -> None:
        self.replay, self.app = replay, app
        registry = discover(app.plugin_dir)
        self.services = Services(app, registry, resolve(registry, app))

    async def __aenter__(self) -> Collector:
        await self.services.__aenter__()
        await self.services.store.init()
        return Collector(self.replay, self.services)

    async def __aexit__(self, *exc: object) -> None:
        await self.services.__aexit__(None, None, None)
