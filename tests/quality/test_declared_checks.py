"""The checks the built-in sources declare, on real record dumps: what passes, what fails, and
that a value the checks flag is stored (never set aside) by the ingest path."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector import quality
from collector.ingest import build_batch
from collector.plugin import Check, Source
from collector.plugin_checks import plugin_folder
from collector.plugin_checks_quality import check_quality
from sources.parking import SOURCE as PARKING
from sources.traffic import SOURCE as TRAFFIC
from sources.velib import SOURCE as VELIB
from tests.aggregations.build import parking, traffic

GOLDEN = Path(__file__).resolve().parents[2] / "sources/traffic/testcases/hour_with_quirks"


def failed(source: Source, data: dict[str, Any]) -> list[str]:
    tests = quality.record_checks(source).get(source.name, ())
    return quality.failures(tests, data)


def count(**change: Any) -> dict[str, Any]:
    """A traffic count as stored (validated by its model, out-of-range values included)."""
    state = change.pop("traffic_state", "Fluide")
    k, q = change.pop("occupancy_k", 7.0), change.pop("flow_q", 300.0)
    return traffic("1", state, k=k, q=q, **change)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"occupancy_k": 7.0, "traffic_state": "Fluide", "flow_q": 300.0}, []),
        ({"occupancy_k": 100.0, "traffic_state": "Bloqué"}, []),
        ({"occupancy_k": 140.0, "traffic_state": "Bloqué"}, ["k_range"]),
        ({"occupancy_k": -1.0, "traffic_state": "Fluide"}, ["k_range"]),
        ({"flow_q": -3.0}, ["q_range"]),
        ({"occupancy_k": None, "flow_q": None, "traffic_state": "Inconnu"}, []),
        ({"occupancy_k": 40.0, "traffic_state": "Fluide"}, ["state_consistent"]),
        ({"occupancy_k": 40.0, "traffic_state": "Inconnu"}, []),  # unknown: no evidence
        ({"occupancy_k": 15.2, "traffic_state": "Fluide"}, []),  # rounding at a threshold
        ({"occupancy_k": 15.6, "traffic_state": "Fluide"}, ["state_consistent"]),
        ({"occupancy_k": 150.0, "traffic_state": "Fluide"}, ["k_range", "state_consistent"]),
    ],
)
def test_traffic_record_checks(change: dict[str, Any], expected: list[str]) -> None:
    assert failed(TRAFFIC, count(**change)) == expected


def test_traffic_checks_read_the_counts_not_the_arc_reference() -> None:
    tests = quality.record_checks(TRAFFIC)
    assert set(tests) == {"traffic"}
    assert [name for name, _ in tests["traffic"]] == ["k_range", "q_range", "state_consistent"]


def test_sudden_drop_is_a_slot_check() -> None:
    [drop] = quality.slot_checks(TRAFFIC)
    assert drop.name == "sudden_drop" and drop.slot is not None
    assert drop.slot({"received": 1000}, None)
    assert drop.slot({"received": 1000}, {"received": 2000})
    assert not drop.slot({"received": 999}, {"received": 2000})
    assert drop.slot({"received": 0}, {"received": 0})


@pytest.mark.parametrize(
    ("free", "capacity", "expected"),
    [
        (40, 100, []),
        (100, 100, []),
        (101, 100, ["free_within_capacity"]),
        (-2, 100, ["free_nonnegative"]),
        (5000, None, []),  # capacity unknown: nothing to compare with
        (None, 100, []),  # no live count
    ],
)
def test_parking_record_checks(free: int | None, capacity: int | None, expected: list[str]) -> None:
    data = parking("1", free=free, capacity=capacity)
    assert failed(PARKING, data) == expected


def velib(**change: Any) -> dict[str, Any]:
    base = {
        "entity_id": "1",
        "capacity": 20,
        "bikes_available": 5,
        "mechanical_available": 3,
        "ebike_available": 2,
        "docks_available": 15,
        "flags": [],
    }
    return {**base, **change}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"docks_available": 21}, ["counts_within_capacity"]),
        ({"capacity": None, "docks_available": 210}, []),
        ({"docks_available": -1}, ["counts_nonnegative"]),
        ({"docks_available": None, "flags": ["negative"]}, ["counts_nonnegative"]),
    ],
)
def test_velib_record_checks(change: dict[str, Any], expected: list[str]) -> None:
    assert failed(VELIB, velib(**change)) == expected


def test_a_check_that_raises_flags_the_record_it_cannot_judge() -> None:
    def broken(data: Any) -> bool:
        raise KeyError("occupancy")

    assert quality.failures([("broken", broken)], {"a": 1}) == ["broken"]


def test_the_golden_quirk_k150_is_stored_flagged_not_set_aside() -> None:
    payload = (GOLDEN / "payload.json").read_bytes()
    now = datetime.now(UTC)
    batch = build_batch(TRAFFIC, payload, "raw/traffic/test", now)
    flagged = {row.entity_id: row for row in batch.rows["traffic"] if quality.FLAG in row.data}
    assert sorted(flagged) == ["5001"]
    row = flagged["5001"]
    assert row.data["occupancy_k"] == 150.0 and row.data[quality.FLAG] == ["k_range"]
    assert orjson.loads(row.data_json or "") == row.data  # the stored text says the same
    assert not any("occupancy_k" in reject.reason for reject in batch.rejects)
    clean = [row for row in batch.rows["traffic"] if row.entity_id != "5001"]
    assert all(orjson.loads(row.data_json or "") == row.data for row in clean)
    assert not any(quality.FLAG in row.data for row in batch.rows["traffic.arcs"])


def test_without_flagged_counts_each_failed_check() -> None:
    rows: list[dict[str, Any]] = [
        {"a": 1},
        {"a": 2, "_quality": ["k_range"]},
        {"_quality": ["k_range", "q_range"]},
    ]
    excluded: Counter[str] = Counter()
    assert quality.without_flagged(rows, excluded) == [{"a": 1}]
    assert excluded == {"k_range": 2, "q_range": 1}


def test_the_plugin_checker_validates_declared_checks() -> None:
    for source in (TRAFFIC, PARKING, VELIB):
        assert check_quality(source, plugin_folder(source)) == []
    folder = plugin_folder(TRAFFIC)

    def boom(data: Any) -> bool:
        return bool(data["no such field"])

    def yes(entry: Any, previous: Any) -> bool:
        return "yes"  # type: ignore[return-value]

    bad = replace(
        TRAFFIC,
        checks=(
            Check(name="k_range", description="x", record=lambda d: True),
            Check(name="k_range", description="", record=lambda d: True, dataset="traffic.nope"),
            Check(name="boom", description="x", record=boom),
            Check(name="Bad Name", description="x", slot=yes),
        ),
    )
    problems = check_quality(bad, folder)
    assert "check names used twice: ['k_range']" in problems
    assert "check 'k_range': description is empty" in problems
    assert any("dataset 'traffic.nope' not in" in p for p in problems)
    assert any("raised KeyError" in p for p in problems)
    assert any("'Bad Name': name is not" in p for p in problems)
    assert any("returned 'yes', not a bool" in p for p in problems)


def test_the_plugin_checker_refuses_a_coverage_or_revisit_the_daemon_cannot_use() -> None:
    bad = replace(
        TRAFFIC,
        coverage=replace(TRAFFIC.coverage, dataset="traffic.nope", partial_below=1.5),
        backfill=None,
    )
    problems = check_quality(bad, plugin_folder(TRAFFIC))
    assert any("coverage: dataset 'traffic.nope' not in" in p for p in problems)
    assert "coverage: partial_below 1.5 not in (0, 1]" in problems
    assert "revisit declared but no backfill: the daemon has no way to fetch it" in problems


def test_an_analytic_cannot_take_excluded_for_something_else() -> None:
    from aggregations.departures_total import AGGREGATION
    from aggregations.departures_total.models import DeparturesTotal
    from collector.plugin_checks_agg import check_empty_inputs

    class Clash(DeparturesTotal):
        excluded: str = "no"

    def compute(inputs: Any, window: Any) -> Clash:
        return Clash(**AGGREGATION.compute(inputs, window).model_dump())

    clash = replace(AGGREGATION, output=Clash, compute=compute)
    assert check_empty_inputs(AGGREGATION) == []
    assert check_empty_inputs(clash) == [
        "'excluded' must be an object of counts by reason, not 'no'"
    ]
