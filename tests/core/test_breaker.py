"""The circuit breaker's transitions, on a clock the test holds (monotonic seconds)."""

from __future__ import annotations

from collector.breaker import STATE_VALUES, Breaker


def state(breaker: Breaker) -> str:
    """Read afresh each time (mypy would otherwise narrow the attribute after one check)."""
    return breaker.state


def test_opens_after_threshold_consecutive_failures_only() -> None:
    breaker = Breaker(threshold=3, cooldown=10)
    assert breaker.failure(0.0) == "closed" and breaker.failure(1.0) == "closed"
    assert (state(breaker), breaker.failures) == ("closed", 2)
    assert breaker.allow(1.5)
    assert breaker.success() == "closed"  # a success in between starts the count again
    breaker.failure(2.0)
    breaker.failure(3.0)
    assert state(breaker) == "closed"
    assert breaker.failure(4.0) == "closed"  # returns the state before this failure
    assert (state(breaker), breaker.open_until) == ("open", 14.0)


def test_open_refuses_runs_until_the_cooldown_then_lets_a_probe_through() -> None:
    breaker = Breaker(threshold=1, cooldown=10)
    breaker.failure(100.0)
    assert not breaker.allow(100.0)
    assert not breaker.allow(109.9)
    assert state(breaker) == "open"
    assert breaker.allow(110.0)  # the probe
    assert state(breaker) == "half_open"


def test_probe_success_closes_and_resets() -> None:
    breaker = Breaker(threshold=2, cooldown=10)
    breaker.failure(0.0)
    breaker.failure(0.0)
    assert breaker.allow(10.0) and state(breaker) == "half_open"
    assert breaker.success() == "half_open"
    assert (state(breaker), breaker.failures, breaker.open_until, breaker.current_cooldown) == (
        "closed",
        0,
        0.0,
        0.0,
    )
    assert breaker.allow(10.0)
    breaker.failure(11.0)  # the count starts from zero: one failure does not reopen it
    assert state(breaker) == "closed"


def test_probe_failure_reopens_with_a_doubled_cooldown_up_to_the_cap() -> None:
    breaker = Breaker(threshold=1, cooldown=10, max_cooldown=35)
    breaker.failure(0.0)
    opened: list[float] = []
    now = 0.0
    for _ in range(4):
        now = breaker.open_until
        assert breaker.allow(now) and state(breaker) == "half_open"
        assert breaker.failure(now) == "half_open"
        assert state(breaker) == "open"
        opened.append(breaker.open_until - now)
    assert opened == [20.0, 35.0, 35.0, 35.0]
    # Closed again, the next opening starts from the base cooldown.
    assert breaker.allow(breaker.open_until)
    breaker.success()
    breaker.failure(1000.0)
    assert breaker.open_until == 1010.0


def test_retry_after_holds_runs_back_without_opening() -> None:
    breaker = Breaker(threshold=3, cooldown=10)
    breaker.failure(0.0, retry_after=30.0)
    assert state(breaker) == "closed"
    assert not breaker.allow(29.0)  # the upstream asked for 30 s
    assert state(breaker) == "closed"
    assert breaker.allow(30.0)


def test_retry_after_longer_than_the_cooldown_keeps_it_open_longer() -> None:
    breaker = Breaker(threshold=1, cooldown=10)
    breaker.failure(0.0, retry_after=60.0)
    assert state(breaker) == "open"
    assert not breaker.allow(59.0)
    assert breaker.allow(60.0) and state(breaker) == "half_open"
    short = Breaker(threshold=1, cooldown=10)
    short.failure(0.0, retry_after=2.0)
    assert short.open_until == 10.0  # never shorter than the cooldown


def test_snapshot_reports_wall_clock_time() -> None:
    breaker = Breaker(threshold=1, cooldown=10)
    assert breaker.snapshot(wall_offset=1_000.0) == {
        "state": "closed",
        "failures": 0,
        "open_until": None,
    }
    breaker.failure(5.0)
    assert breaker.snapshot(wall_offset=1_000.0) == {
        "state": "open",
        "failures": 1,
        "open_until": 1_015.0,
    }
    assert STATE_VALUES == {"closed": 0, "half_open": 1, "open": 2}
