"""The daemon's revisit job: a failing upstream is logged and saved, never raised; the
source's own run waits for a revisit in flight instead of being skipped."""

from __future__ import annotations

import asyncio

import pytest

import collector.revisit as revisit_module
from collector.daemon import Daemon, Services
from replay_upstream.pytest_plugin import Replay


@pytest.fixture
def daemon(services: Services, monkeypatch: pytest.MonkeyPatch) -> Daemon:
    # Due whatever the hour the test runs at: every hour quiet, no wait after the last one.
    monkeypatch.setattr(revisit_module, "QUIET_HOURS", (0, 24))
    return Daemon(services)


async def test_a_failing_revisit_does_not_fail_the_daemon(
    replay_upstream: Replay, daemon: Daemon, services: Services
) -> None:
    await daemon.leases.beat()
    replay_upstream.fault("status", match="exports", status=500)
    await daemon._revisit("traffic")  # returns: nothing raised out of the job
    state = await services.store.get_state("traffic")
    assert "500" in state["revisit"]["error"]
    assert state["revisit"]["slices"] == 0
    assert not daemon.inflight and not daemon._revisits

    # The next run of the source is not affected.
    replay_upstream.clear_faults()
    await daemon._tick("traffic")
    state = await services.store.get_state("traffic")
    assert state["last_status"] == "ok"
    assert "watermark" in state["plugin"]


async def test_the_source_run_waits_for_a_revisit_in_flight(
    replay_upstream: Replay, daemon: Daemon, services: Services
) -> None:
    await daemon.leases.beat()
    replay_upstream.fault("slow", match="exports", delay=1.0, times=1)
    revisiting = asyncio.create_task(daemon._revisit("traffic"))
    await asyncio.sleep(0)  # one step of the job: the lease is held, the revisit starts
    assert "traffic" in daemon._revisits
    await daemon._tick("traffic")
    assert revisiting.done()  # the run started only once the revisit had ended
    state = await services.store.get_state("traffic")
    assert state["last_status"] == "ok"  # ran, not skipped
    assert state["revisit"]["error"] is None and state["revisit"]["slices"] == 3
    await revisiting


async def test_a_revisit_stops_when_the_lease_is_lost(services: Services) -> None:
    report = await revisit_module.revisit_when_due(
        services.runners["traffic"], force=True, holds=lambda: False
    )
    assert report is not None and report.failed and "lease" in str(report.error)
    assert report.slices == 0


async def test_the_daemon_checks_for_a_due_revisit_of_each_source_declaring_one(
    daemon: Daemon,
) -> None:
    from datetime import UTC

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone=UTC)
    daemon._schedule(scheduler)
    revisits = {job.id: job for job in scheduler.get_jobs() if job.id.startswith("revisit:")}
    assert list(revisits) == ["revisit:traffic"]
    assert revisits["revisit:traffic"].trigger.interval == revisit_module.CHECK_EVERY
