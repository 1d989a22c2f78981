"""One bad date in a payload sets that record aside; every other record of it still lands."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.plugin import Invalid, Record
from sources.departures import SOURCE as DEPARTURES
from sources.parking import SOURCE as PARKING
from sources.traffic import SOURCE as TRAFFIC

ROOT = Path(__file__).parents[2] / "sources"
BAD = ["0001-01-01T00:00:00+01:00", "0999-01-01T00:00:00+00:00", "9999-12-31T23:59:59-01:00"]


def golden(source: str, case: str) -> Any:
    return orjson.loads((ROOT / source / "testcases" / case / "payload.json").read_bytes())


def split(parsed: list[Any]) -> tuple[list[Record], list[Invalid]]:
    return [p for p in parsed if isinstance(p, Record)], [
        p for p in parsed if isinstance(p, Invalid)
    ]


@pytest.mark.parametrize("value", BAD)
def test_traffic_row_with_a_bad_hour(value: str) -> None:
    bundle = golden("traffic", "hour_with_quirks")
    good, bad = split(list(TRAFFIC.parse(orjson.dumps(bundle))))
    bundle["counts"].append({**bundle["counts"][0], "iu_ac": "99999", "t_1h": value})
    good_after, bad_after = split(list(TRAFFIC.parse(orjson.dumps(bundle))))
    assert len(good_after) == len(good)
    [new] = [b for b in bad_after if b not in bad]
    assert new.reason.startswith("observed_at: ") and new.entity_id == "99999"


@pytest.mark.parametrize("value", ["00010101T000000", "99991231T235959"])
def test_departure_with_a_bad_time(value: str) -> None:
    bundle = golden("departures", "lyon_part_dieu_sample")
    good, _ = split(list(DEPARTURES.parse(orjson.dumps(bundle))))
    answer = next(iter(bundle.values()))
    extra = copy.deepcopy(answer["departures"][0])
    extra["stop_date_time"]["base_departure_date_time"] = value
    extra["stop_date_time"]["departure_date_time"] = value
    for link in extra["links"]:
        if link.get("type") == "vehicle_journey":
            link["id"] = "vehicle_journey:bad-date"
    answer["departures"].append(extra)
    good_after, bad_after = split(list(DEPARTURES.parse(orjson.dumps(bundle))))
    # The golden sample dates from 2025: its records are valid, only the new one is not.
    assert len(good_after) == len(good)
    assert any(b.entity_id and "bad-date" in b.entity_id for b in bad_after)


@pytest.mark.parametrize("value", BAD)
def test_parking_live_count_with_a_bad_date(value: str) -> None:
    bundle = golden("parking", "live_joined")
    good, bad = split(list(PARKING.parse(orjson.dumps(bundle))))
    bundle["live"][0]["results"][0]["date"] = value
    good_after, bad_after = split(list(PARKING.parse(orjson.dumps(bundle))))
    new = [b for b in bad_after if b not in bad]
    live = {r.entity_id for r in good if getattr(r, "availability", "") == "live"}
    live_after = {r.entity_id for r in good_after if getattr(r, "availability", "") == "live"}
    assert len(live_after) == len(live) - 1
    if value.startswith("0999"):  # a readable time, out of range: that car park is set aside
        [invalid] = new
        assert invalid.reason.startswith("observed_at: ") and "before 1990" in invalid.reason
        assert len(good_after) == len(good) - 1
    else:  # unreadable in UTC: reported from its reference time, without the count
        assert not new and len(good_after) == len(good)
    assert all(r.observed_at.year >= 1990 for r in good_after)
