"""Timestamps out of range are bad values: set aside with a reason, never a crash or a key
that sorts out of time order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import field_validator

from collector import keys
from collector.plugin import Invalid, Record, validate


@pytest.mark.parametrize(
    "moment",
    [
        datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    ],
)
def test_keys_keep_their_width_and_round_trip(moment: datetime) -> None:
    text = keys.ts(moment)
    assert len(text) == len("2026-01-01T00:00:00Z")
    assert keys.parse_ts(text) == moment
    assert keys.raw_key("x", moment).startswith(f"raw/x/{moment.year:04d}/")
    assert keys.raw_prefix("x", date(moment.year, 1, 1)) == f"raw/x/{moment.year:04d}/01/01/"


def test_key_order_is_time_order_across_year_1000() -> None:
    early, late = datetime(999, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert keys.ts(early) < keys.ts(late)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0001-01-01T00:00:00+01:00", "out of range"),
        ("0999-06-01T00:00:00+00:00", "before 1990-01-01"),
        ("1989-12-31T23:59:59+00:00", "before 1990-01-01"),
        ("2099-01-01T00:00:00+00:00", "in the future"),
    ],
)
def test_observations_out_of_range_are_set_aside(value: str, reason: str) -> None:
    found = validate(Record, {"entity_id": "a", "observed_at": value})
    assert isinstance(found, Invalid)
    assert found.reason.startswith("observed_at: ") and reason in found.reason
    assert found.entity_id == "a"


def test_the_horizon_is_the_wall_clock_plus_the_model_allowance() -> None:
    soon = datetime.now(UTC) + timedelta(days=1)
    assert isinstance(validate(Record, {"entity_id": "a", "observed_at": soon}), Record)

    class Timetable(Record):
        observed_ahead = timedelta(days=30)

    later = datetime.now(UTC) + timedelta(days=20)
    assert isinstance(validate(Timetable, {"entity_id": "a", "observed_at": later}), Record)
    assert isinstance(validate(Record, {"entity_id": "a", "observed_at": later}), Invalid)


def test_a_plugin_validator_raising_overflow_sets_the_record_aside() -> None:
    class Shifted(Record):
        shift_days: int

        @field_validator("shift_days")
        @classmethod
        def _check(cls, value: int) -> int:
            datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=value)  # OverflowError if huge
            return value

    now = datetime.now(UTC)
    found = validate(Shifted, {"entity_id": "a", "observed_at": now, "shift_days": 10**9})
    assert isinstance(found, Invalid)
    assert "OverflowError" in found.reason
    ok = validate(Shifted, {"entity_id": "a", "observed_at": now, "shift_days": 1})
    assert isinstance(ok, Shifted)
