"""One-call validation (``validate_many``) gives what validating each record alone gives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from collector.plugin import Invalid, Record, validate, validate_many

AT = datetime(2025, 11, 4, 19, 0, tzinfo=UTC)


class Gauge(Record):
    level: float = Field(ge=0)

    @field_validator("level")
    @classmethod
    def _finite_range(cls, value: float) -> float:
        if value > 1e6:  # a plugin's own check raising outside pydantic's error types
            raise OverflowError("level out of range")
        return value


def rows() -> list[Any]:
    good: list[Any] = [
        {"entity_id": f"g{i}", "observed_at": AT.isoformat(), "level": i} for i in range(6)
    ]
    good[1] = {**good[1], "level": -1}
    good[3] = {**good[3], "entity_id": "latest"}
    good[4] = "not a mapping"
    return good


def outcome(items: Sequence[Record | Invalid]) -> list[Any]:
    return [i.reason if isinstance(i, Invalid) else i.model_dump() for i in items]


def test_same_records_and_reasons_as_one_by_one() -> None:
    many = validate_many(Gauge, rows())
    one_by_one = [validate(Gauge, row) for row in rows()]
    assert outcome(many) == outcome(one_by_one)
    assert [isinstance(i, Invalid) for i in many] == [False, True, False, True, True, False]
    assert "level: Input should be greater than or equal to 0" in outcome(many)[1]


def test_all_valid_in_one_call() -> None:
    good = [r for i, r in enumerate(rows()) if i in (0, 2, 5)]
    assert [g.entity_id for g in validate_many(Gauge, good)] == ["g0", "g2", "g5"]


def test_an_exception_outside_pydantic_sets_only_its_record_aside() -> None:
    data = [*rows()[:3], {"entity_id": "big", "observed_at": AT.isoformat(), "level": 1e9}]
    many = validate_many(Gauge, data)
    assert outcome(many) == outcome([validate(Gauge, row) for row in data])
    assert outcome(many)[3] == "<record>: OverflowError: level out of range"


def test_timestamps_normalised_either_way() -> None:
    paris = AT.astimezone(ZoneInfo("Europe/Paris"))
    data = [
        {"entity_id": "a", "observed_at": paris + timedelta(microseconds=5), "level": 1},
        {"entity_id": "b", "observed_at": AT, "level": 1},
    ]
    assert [g.observed_at for g in validate_many(Gauge, data)] == [AT, AT]  # type: ignore[union-attr]
