"""What a revisit corrects reaches the lake (merged by key, no duplicate); the command."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import pytest

from collector import keys
from collector.cli import main
from collector.daemon import Services
from collector.lake import query
from collector.lake.catalog import open_catalog
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.revisit import revisit_when_due
from collector.settings import Settings
from collector.storage import make_store
from replay_upstream.pytest_plugin import Replay
from tests.revisit.conftest import changed, silver
from tests.revisit.test_revisit_corrections import LATE_HOURS, LATE_SHARE, newest_hour


def lake_hour(app: Settings, hour: str) -> dict[str, tuple[float | None, int]]:
    """Per arc of one hour in the lake: its flow and how many rows it has there."""
    answer = query.run(
        open_catalog(app),
        app.lake.namespace,
        "SELECT entity_id, max(flow_q), count(*) FROM traffic"
        f" WHERE strftime(observed_at, '%Y-%m-%dT%H:%M:%SZ') = '{hour}' GROUP BY 1",
    )
    return {str(arc): (flow, int(n)) for arc, flow, n in answer.rows}


async def test_the_lake_gets_the_corrected_values(
    replay_upstream: Replay, environ: Callable[..., Settings], now: datetime
) -> None:
    app = environ(PARIS_LAKE__ENABLED="true")
    registry = discover(app.plugin_dir)
    replay_upstream.corrections(LATE_SHARE, late_hours=LATE_HOURS)
    async with Services(app, registry, resolve(registry, app)) as services:
        assert services.lake is not None
        source = services.runners["traffic"].source
        assert (await services.runners["traffic"].run(now=now)).status == "ok"
        assert (await services.lake.flush([source])).ok
        before = silver(app.data_dir)

        replay_upstream.corrections(0.0)  # the publisher completes its hours
        report = await revisit_when_due(services.runners["traffic"], now=now, force=True)
        assert report is not None and report.written > 0
        assert (await services.lake.flush([source])).ok
    history = silver(app.data_dir)
    newest = keys.ts(newest_hour(now))
    corrected = {arc for arc, hour in changed(before, history) if hour == newest}
    assert corrected
    lake = lake_hour(app, newest)
    assert all(n == 1 for _, n in lake.values())  # merged by key: one row per arc and hour
    for arc in corrected:
        assert lake[arc][0] == history[arc, newest]["flow_q"]


def test_the_command_revisits_once(
    replay_upstream: Replay,
    environ: Callable[..., Settings],
    now: datetime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    environ()
    assert main(["once", "traffic"]) == 0
    assert main(["revisit", "traffic"]) == 0
    out = capsys.readouterr().out
    assert "revisited traffic" in out and "3 slices" in out and " 0 written" in out


def test_the_command_refuses_what_it_cannot_do(
    environ: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    environ()
    assert main(["revisit", "parking"]) == 2
    assert "sources that do: traffic" in capsys.readouterr().err


def test_the_command_leaves_a_source_another_daemon_collects(
    environ: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    app = environ()

    async def held_elsewhere() -> None:
        async with make_store(app) as store:
            await store.init()
            now_ms = int(time.time() * 1000)
            lease = await store.acquire_lease(
                "source:traffic", "other-host", now_ms=now_ms, duration_ms=60_000
            )
            assert lease.holder == "other-host"

    asyncio.run(held_elsewhere())
    assert main(["revisit", "traffic"]) == 1
    assert "other-host collects traffic" in capsys.readouterr().err
