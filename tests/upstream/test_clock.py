"""The replay clock: new traffic hours appear as it advances; data moves with it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from replay_upstream.clock import ReplayClock

from .helpers import TRAFFIC, Fetch, Replay

LAST = "2025-11-04T22:00:00+00:00"


def _last(fetch: Fetch) -> str:
    return str(fetch(f"{TRAFFIC}/records", select="max(t_1h) as last").json()["results"][0]["last"])


def test_advancing_one_hour_publishes_exactly_one_new_hour(
    replay_upstream: Replay, fetch: Fetch
) -> None:
    assert _last(fetch) == LAST
    state = replay_upstream.advance(hours=1)
    assert state["traffic_published_until"] == "2025-11-04T23:00:00+00:00"
    assert _last(fetch) == "2025-11-04T23:00:00+00:00"
    # A watermark client asks for what is newer than what it has: only the new hour.
    new = fetch(f"{TRAFFIC}/exports/json", where=f"t_1h > date'{LAST}'").json()
    assert len(new) == 2977
    assert {row["t_1h"] for row in new} == {"2025-11-04T23:00:00+00:00"}
    assert fetch(TRAFFIC).json()["metas"]["default"]["data_processed"] == (
        "2025-11-04T23:07:00+00:00"
    )


def test_values_change_from_hour_to_hour(replay_upstream: Replay, fetch: Fetch) -> None:
    select = "iu_ac,q,k"
    before = fetch(f"{TRAFFIC}/exports/json", where=f"t_1h = date'{LAST}'", select=select).json()
    replay_upstream.advance(hours=1)
    after = fetch(
        f"{TRAFFIC}/exports/json", where="t_1h = date'2025-11-04T23:00:00Z'", select=select
    ).json()
    assert [r["iu_ac"] for r in before] == [r["iu_ac"] for r in after]
    changed = sum(1 for a, b in zip(before, after, strict=True) if a["k"] != b["k"])
    assert changed > 2000
    # ... and the same hour is the same every time it is asked for (seeded).
    again = fetch(f"{TRAFFIC}/exports/json", where=f"t_1h = date'{LAST}'", select=select).json()
    assert again == before


def test_partial_hours_are_not_published(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.advance(seconds=25 * 60)  # 22:55: the 23:00 hour is still running
    assert _last(fetch) == LAST
    replay_upstream.advance(seconds=5 * 60)
    assert _last(fetch) == "2025-11-04T23:00:00+00:00"


def test_setting_the_clock_moves_the_history_window(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.set_clock("2026-03-10T08:10:00Z")
    assert _last(fetch) == "2026-03-10T08:00:00+00:00"
    first = fetch(f"{TRAFFIC}/records", select="min(t_1h) as first").json()["results"][0]
    assert first["first"] == "2026-03-08T09:00:00+00:00"  # 48 hours


def test_reset_restores_the_start(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.advance(hours=5)
    replay_upstream.reset()
    assert _last(fetch) == LAST


def test_accelerated_clock() -> None:
    clock = ReplayClock(datetime(2025, 1, 1, tzinfo=UTC), accelerate=3600)
    time.sleep(0.05)
    elapsed = (clock.now() - datetime(2025, 1, 1, tzinfo=UTC)).total_seconds()
    assert 150 < elapsed < 3600
    clock.set_accelerate(0)
    frozen = clock.now()
    time.sleep(0.01)
    assert clock.now() == frozen
    origin = clock.origin
    clock.advance(3600)
    assert clock.origin == origin  # advancing keeps the history anchored
