"""Traffic parse: a row whose id or hour is a JSON list or object is one bad row, not a bad
payload; a late hour is judged once per hour and still sets each of its rows aside."""

from __future__ import annotations

from typing import Any

import orjson

from collector.plugin import Invalid
from sources.traffic.parse import parse
from sources.traffic.records import TrafficCount

HOUR = "2025-11-04T19:00:00+00:00"


def count(iu_ac: Any, hour: Any = HOUR) -> dict[str, Any]:
    return {"iu_ac": iu_ac, "t_1h": hour, "q": 10.0, "k": 5.0, "etat_trafic": "Fluide"}


def bundle(rows: list[Any], until: str | None = None) -> bytes:
    window = {"since": "2025-11-04T18:00:00+00:00", "until": until} if until else None
    return orjson.dumps({"counts": rows, "arcs": None, "window": window})


def test_a_list_or_object_as_id_or_hour_sets_that_row_aside() -> None:
    rows = [count("1"), count("2", ["2025"]), count({"id": 3}), count("4")]
    parsed = list(parse(bundle(rows)))
    assert [type(p) for p in parsed] == [TrafficCount, Invalid, Invalid, TrafficCount]
    hour, ident = parsed[1], parsed[2]
    assert isinstance(hour, Invalid) and "observed_at" in hour.reason
    assert isinstance(ident, Invalid) and "entity_id" in ident.reason


def test_rows_after_the_window_are_set_aside_one_by_one() -> None:
    late = "2025-11-04T21:00:00+00:00"
    rows = [count("1"), count("2", late), count("3", late), count("4")]
    parsed = list(parse(bundle(rows, until=HOUR)))
    assert [type(p) for p in parsed] == [TrafficCount, Invalid, Invalid, TrafficCount]
    for item, arc in zip(parsed[1:3], ("2", "3"), strict=True):
        assert isinstance(item, Invalid)
        assert item.entity_id == arc and "after the hours asked for" in item.reason
