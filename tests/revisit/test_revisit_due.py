"""When the daemon's revisit is due: once per `every`, starting in the quiet hours (Paris)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector import keys
from collector.revisit import due

DAY = timedelta(days=1)
# 2026-12-02 is winter time: Paris is UTC+1, the quiet hours 04:00-06:00 are 03:00-05:00 UTC.
NIGHT = datetime(2026, 12, 2, 3, 5, tzinfo=UTC)


def test_never_revisited_waits_for_the_quiet_hours() -> None:
    assert not due(None, NIGHT - timedelta(hours=1), DAY)
    assert due(None, NIGHT, DAY)
    assert not due(None, NIGHT + timedelta(hours=2), DAY)


def test_once_a_night_without_drifting() -> None:
    last = keys.ts(NIGHT + timedelta(minutes=50))  # last night's ran late in the window
    assert not due(last, NIGHT + timedelta(hours=1), DAY)
    assert due(last, NIGHT + DAY, DAY)  # at the start of the next window, not later
    assert not due(last, NIGHT + DAY - timedelta(hours=1), DAY)


def test_summer_time_shifts_the_window_in_utc() -> None:
    summer = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)  # 04:30 in Paris (UTC+2)
    assert due(None, summer, DAY)
    assert not due(None, summer + timedelta(hours=2), DAY)


def test_a_frequent_revisit_ignores_the_quiet_hours() -> None:
    noon = datetime(2026, 12, 2, 12, tzinfo=UTC)
    every = timedelta(hours=6)
    assert due(None, noon, every)
    assert not due(keys.ts(noon), noon + timedelta(hours=5), every)
    assert due(keys.ts(noon), noon + every, every)


def test_an_unreadable_last_time_counts_as_never() -> None:
    assert due("yesterday", NIGHT, DAY)
