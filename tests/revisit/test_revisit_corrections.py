"""A revisit against the replay upstream publishing late corrections: the hours the publisher
completed since they were stored are rewritten, nothing else is, the live cursor stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from collector import keys
from collector.daemon import Services
from collector.registry import discover
from collector.revisit import revisit_when_due, window
from replay_upstream.pytest_plugin import Replay
from tests.revisit.conftest import BEHIND, changed, silver

PARIS = ZoneInfo("Europe/Paris")
LATE_SHARE = 0.05
LATE_HOURS = 2  # each hour completed two hours after its t_1h (the real one: about a day)


def newest_hour(now: datetime) -> datetime:
    """The newest hour the replay publishes while the collector's clock reads ``now``."""
    return (now - BEHIND).replace(minute=0, second=0, microsecond=0)


def upstream_hour(replay: Replay, hour: datetime) -> dict[str, dict[str, Any]]:
    """The replay's rows of one hour as it publishes them now, by arc."""
    return {str(r["iu_ac"]): dict(r) for r in replay.world.traffic.rows(hour)}


async def ledger_revisions(services: Services, since: datetime, until: datetime) -> int:
    """The revisions the completeness ledger counted for the traffic slots in the range."""
    rows = await services.store.read_window("_completeness", since, until)
    return sum(int(r.get("revisions") or 0) for r in rows if r.get("source") == "traffic")


def has_ledger() -> bool:
    try:
        import collector.ledger.record  # noqa: F401
    except ImportError:
        return False
    return True


async def test_a_completed_hour_is_rewritten_in_the_history_and_nothing_else(
    replay_upstream: Replay, services: Services, now: datetime
) -> None:
    data_dir = services.app.data_dir
    runner = services.runners["traffic"]
    replay_upstream.corrections(LATE_SHARE, late_hours=LATE_HOURS)
    live = await runner.run(now=now)
    assert live.status == "ok" and live.written > 0
    watermark = (await services.store.get_state("traffic"))["plugin"]["watermark"]

    # Nothing changed upstream since the live run: the revisit asks again, writes nothing.
    before = silver(data_dir)
    first = await revisit_when_due(runner, now=now, force=True)
    assert first is not None and not first.failed, first
    assert (first.since, first.until) == window(runner.source, now)
    # Every count the live run stored is asked again (the arc reference is not).
    assert first.slices == 3 and first.records == len(before) and first.written == 0
    assert silver(data_dir) == before

    # An hour later the publisher has a new hour, and has completed the one before last.
    replay_upstream.advance(hours=1)
    later = now + timedelta(hours=1)
    assert (await runner.run(now=later)).status == "ok"  # the new hour, live
    before, latest_before = silver(data_dir), silver(data_dir, "latest")
    completed = newest_hour(now) - timedelta(hours=1)
    span = (completed - timedelta(hours=4), completed + timedelta(hours=4))
    revisions_before = await ledger_revisions(services, *span)
    report = await revisit_when_due(runner, now=later, force=True)
    assert report is not None and not report.failed, report

    after = silver(data_dir)
    rewritten = changed(before, after)
    assert rewritten and set(after) == set(before)  # corrections only, no new row
    assert report.written == len(rewritten)
    assert {hour for _, hour in rewritten} == {keys.ts(completed)}
    published = upstream_hour(replay_upstream, completed)
    for arc, hour in rewritten:
        row = published[arc]
        assert (after[arc, hour]["flow_q"], after[arc, hour]["occupancy_k"]) == (row["q"], row["k"])
    # An older hour does not move the latest view back in time.
    assert silver(data_dir, "latest") == latest_before
    # The live cursor is the live runs' alone; the revisit is saved in the state.
    state = await services.store.get_state("traffic")
    assert state["plugin"]["watermark"] > watermark
    assert state["revisit"]["written"] == report.written
    assert state["revisit"]["at"] == keys.ts(later)

    if not has_ledger():
        pytest.skip("no completeness ledger in this tree yet")
    assert await ledger_revisions(services, *span) - revisions_before == report.written


async def test_a_corrected_newest_hour_reaches_the_latest_view(
    replay_upstream: Replay, services: Services, now: datetime
) -> None:
    data_dir = services.app.data_dir
    runner = services.runners["traffic"]
    replay_upstream.corrections(LATE_SHARE, late_hours=LATE_HOURS)
    assert (await runner.run(now=now)).status == "ok"
    before = silver(data_dir)
    newest = keys.ts(newest_hour(now))

    # The publisher completes its provisional hours.
    replay_upstream.corrections(0.0)
    report = await revisit_when_due(runner, now=now, force=True)
    assert report is not None and not report.failed, report
    history = silver(data_dir)
    rewritten = changed(before, history)
    assert report.written == len(rewritten) > 0
    assert newest in {hour for _, hour in rewritten}
    latest = {arc: data for (arc, _), data in silver(data_dir, "latest").items()}
    published = upstream_hour(replay_upstream, newest_hour(now))
    for arc, hour in rewritten:
        if hour == newest:
            assert latest[arc] == history[arc, hour]
            assert latest[arc]["flow_q"] == published[arc]["q"]


async def test_a_revisit_runs_once_a_day_at_night_and_not_again_after_a_restart(
    services: Services, now: datetime
) -> None:
    runner = services.runners["traffic"]
    night = now.astimezone(PARIS).replace(hour=4, minute=10, second=0)  # quiet hours, Paris
    assert await revisit_when_due(runner, now=night - timedelta(hours=1)) is None
    done = await revisit_when_due(runner, now=night)
    assert done is not None and not done.failed, done
    # A restarted daemon reads the last revisit from the state: not again before next night.
    runner.known_state = None
    assert await revisit_when_due(runner, now=night + timedelta(minutes=10)) is None
    assert await revisit_when_due(runner, now=night + timedelta(hours=23)) is None
    again = await revisit_when_due(runner, now=night + timedelta(days=1, minutes=-10))
    assert again is not None and not again.failed, again


def test_the_window_starts_on_a_whole_hour_two_days_back() -> None:
    source = discover(None).source("traffic")
    since, until = window(source, datetime(2026, 12, 2, 10, 17, 5, tzinfo=UTC))
    assert since == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert until == datetime(2026, 12, 2, 10, 17, 5, tzinfo=UTC)
