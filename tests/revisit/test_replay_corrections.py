"""The replay upstream's late corrections: an hour published provisional, completed later
into exactly the rows it has without corrections."""

from __future__ import annotations

from datetime import timedelta

import pytest

from replay_upstream.pytest_plugin import Replay


def counts(replay: Replay) -> dict[str, tuple[object, object]]:
    dataset = replay.world.traffic
    return {str(r["iu_ac"]): (r["q"], r["k"]) for r in dataset.rows(dataset.published_until())}


def test_an_hour_is_published_provisional_then_completed(replay_upstream: Replay) -> None:
    final = counts(replay_upstream)  # corrections off: the hour as it always is
    replay_upstream.corrections(0.05, late_hours=24)
    provisional = counts(replay_upstream)
    late = {arc for arc in final if final[arc] != provisional[arc]}
    assert 0.02 * len(final) < len(late) < 0.05 * len(final)  # 5% late, some null anyway
    assert any(provisional[arc] == (None, None) for arc in late)  # not in yet
    assert any(provisional[arc][0] is not None for arc in late)  # counted over part of it
    hour = replay_upstream.world.traffic.published_until()
    replay_upstream.advance(hours=23)
    assert replay_upstream.world.traffic.provisional(hour)
    replay_upstream.advance(hours=1)
    assert not replay_upstream.world.traffic.provisional(hour)
    assert {
        str(r["iu_ac"]): (r["q"], r["k"]) for r in replay_upstream.world.traffic.rows(hour)
    } == final


def test_the_knob_is_checked_and_reset(replay_upstream: Replay) -> None:
    with pytest.raises(ValueError, match="400"):
        replay_upstream.corrections(1.5)
    assert replay_upstream.corrections(0.1, late_hours=6) == {"late_share": 0.1, "late_hours": 6}
    replay_upstream.reset()
    assert replay_upstream.world.traffic.late_share == 0.0
    assert (
        replay_upstream.world.traffic.provisional(
            replay_upstream.world.traffic.published_until() - timedelta(hours=1)
        )
        is False
    )
