"""Which record fields a snapshot filters on, and how a query value is read."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import Field

from collector.plugin import Record
from readlayer.fields import Filter, filters_of, matches
from readlayer.manifest import json_schema


class Station(Record):
    name: str = Field(description="station name")
    arrondissement: int | None = Field(default=None, ge=1, le=20)
    status: Literal["open", "closed"]
    renting: bool
    bikes: int
    capacity_ratio: float
    lon: float | None = None
    tags: list[str] = Field(default_factory=list)


def by_name() -> dict[str, Filter]:
    return {f.name: f for f in filters_of(json_schema(Station))}


def test_scalar_fields_are_filters_numbers_times_and_lists_are_not() -> None:
    found = by_name()
    assert list(found) == ["entity_id", "name", "arrondissement", "status", "renting", "bikes"]
    assert found["status"].enum == ("open", "closed")
    assert (found["arrondissement"].minimum, found["arrondissement"].maximum) == (1, 20)
    assert found["name"].description == "station name"
    assert filters_of(None) == ()


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [("arrondissement", "11", 11), ("bikes", "-3", -3), ("renting", "true", True),
     ("renting", "false", False), ("status", "open", "open"), ("name", "Bastille", "Bastille")],
)  # fmt: skip
def test_query_values_read_as_the_stored_type(field: str, text: str, value: object) -> None:
    assert by_name()[field].convert(text) == value


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [("arrondissement", "21", "from 1 to 20"), ("arrondissement", "eleven", "an integer"),
     ("bikes", "1e3", "an integer"), ("renting", "yes", "true or false"),
     ("status", "opened", "one of open, closed"), ("name", "  ", "must not be empty"),
     ("name", "x" * 201, "at most 200")],
)  # fmt: skip
def test_bad_query_values_say_what_is_expected(field: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        by_name()[field].convert(text)


def test_matching_is_equality_on_every_field_asked() -> None:
    item = {"arrondissement": 11, "status": "open", "renting": True}
    assert matches(item, {"arrondissement": 11, "renting": True})
    assert not matches(item, {"arrondissement": 11, "status": "closed"})
    assert not matches({"arrondissement": None}, {"arrondissement": 11})
