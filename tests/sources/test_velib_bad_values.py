"""Vélib': one station's bad value sets that value (or station) aside, never the feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from collector.plugin import Invalid, Record
from sources.velib import SOURCE

FETCHED = "2026-12-02T07:00:00+00:00"
REPORTED = 1764658800  # 2025-12-02T07:00:00Z


def bundle(info: dict[str, Any], status: dict[str, Any], feed_time: int) -> bytes:
    station = {"station_id": 1, "name": "Gare", "lat": 48.85, "lon": 2.35, **info}
    report = {
        "station_id": 1,
        "num_bikes_available": 2,
        "num_docks_available": 3,
        "last_reported": REPORTED,
        "is_installed": 1,
        "is_renting": 1,
        "is_returning": 1,
        **status,
    }
    good = {**report, "station_id": 2}
    return orjson.dumps(
        {
            "fetched_at": FETCHED,
            "information": {"data": {"stations": [station]}},
            "status": {"last_updated": feed_time, "data": {"stations": [report, good]}},
        }
    )


def test_non_finite_counts_are_no_counts_and_the_feed_still_lands() -> None:
    payload = bundle({"capacity": "NaN"}, {"num_bikes_available": "inf"}, REPORTED + 60)
    records = [r for r in SOURCE.parse(payload) if isinstance(r, Record)]
    assert sorted(r.entity_id for r in records) == ["1", "2"]
    [first] = [r for r in records if r.entity_id == "1"]
    assert first.model_dump()["capacity"] is None
    assert first.model_dump()["bikes_available"] is None


def test_a_broken_feed_clock_does_not_overwrite_good_station_times() -> None:
    fetched = int(datetime.fromisoformat(FETCHED).timestamp())
    for feed_time in (0, fetched + 10 * 86400):  # 1970, or days past the fetch
        parsed = list(SOURCE.parse(bundle({"capacity": 20}, {}, feed_time)))
        records = [r for r in parsed if isinstance(r, Record)]
        assert not [p for p in parsed if isinstance(p, Invalid)]
        assert {int(r.observed_at.timestamp()) for r in records} == {REPORTED}
