"""The shared helpers: total functions, stable orders."""

from __future__ import annotations

from datetime import UTC, datetime

from aggregations._common import (
    known,
    mean,
    median,
    natural_key,
    parse_time,
    ranked_counts,
    ratio,
    time_span,
    zone_key,
)


def test_no_division_by_zero_and_no_mean_of_nothing() -> None:
    assert ratio(1, 0) is None
    assert ratio(2, 3) == 0.6667
    assert ratio(1, 3, 1) == 0.3
    assert mean([]) is None
    assert median([]) is None


def test_median_of_even_and_odd_counts() -> None:
    assert median([4.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert mean([1.0, 2.0, 2.0]) == 1.67


def test_known_skips_nulls_and_non_numbers() -> None:
    rows = [{"q": 3}, {"q": None}, {"q": 0.5}, {"q": True}, {"q": "7"}, {}]
    assert known(rows, "q") == [3.0, 0.5]


def test_times() -> None:
    assert parse_time("2025-11-04T19:00:00Z") == datetime(2025, 11, 4, 19, tzinfo=UTC)
    assert parse_time("2025-11-04T20:00:00+01:00") == datetime(2025, 11, 4, 19, tzinfo=UTC)
    assert parse_time("2025-11-04T19:00:00") is None  # naive: refused
    assert parse_time("yesterday") is None
    assert parse_time(None) is None
    rows = [{"observed_at": "2025-11-04T19:00:00Z"}, {"observed_at": "2025-11-04T18:00:00Z"}]
    assert time_span(rows) == (
        datetime(2025, 11, 4, 18, tzinfo=UTC),
        datetime(2025, 11, 4, 19, tzinfo=UTC),
    )
    assert time_span([]) == (None, None)


def test_orders() -> None:
    assert sorted(["10", "9", "b", "a", "100"], key=natural_key) == ["9", "10", "100", "a", "b"]
    zones = [(None, "unknown"), (None, "outside Paris"), (20, "Paris 20e"), (5, "Paris 5e")]
    assert sorted(zones, key=lambda z: zone_key(*z)) == [
        (5, "Paris 5e"),
        (20, "Paris 20e"),
        (None, "outside Paris"),
        (None, "unknown"),
    ]
    assert ranked_counts({"b": 2, "a": 2, "c": 5}) == [("c", 5), ("a", 2), ("b", 2)]
