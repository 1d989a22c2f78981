"""Traffic aggregations on hand-built arcs; every expected number is worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from aggregations.traffic_congestion_index import AGGREGATION as CONGESTION
from aggregations.traffic_critical_segments import AGGREGATION as CRITICAL
from aggregations.traffic_fluidity_by_zone import AGGREGATION as FLUIDITY
from tests.aggregations.build import run, traffic

HOUR = "2025-11-04T19:00:00Z"


def states_hour() -> list[dict[str, Any]]:
    return [
        traffic("1", "Fluide", k=5, q=100),
        traffic("2", "Fluide", k=10),
        traffic("3", "Fluide", k=12, q=300),
        traffic("4", "Pré-saturé", k=20),
        traffic("5", "Saturé", k=40),
        traffic("6", "Bloqué", k=60),
        traffic("7", "Inconnu"),
        traffic("8", "Inconnu", status="Barré"),
        traffic("9", "Bloqué", k=55, status="Barré"),  # closed: not in the index
        traffic("99", "Saturé", k=45, hours_ago=1),  # an older hour: not used
    ]


def test_congestion_index_weighs_states_over_rated_arcs() -> None:
    out = run(CONGESTION, states_hour())
    # rated: arcs 1-6; (0 + 0 + 0 + 1 + 2 + 3) / (3 * 6) = 1/3 -> 33.3
    assert out["congestion_index"] == 33.3
    assert (out["data_hour"], out["arcs"], out["arcs_older_hours"]) == (HOUR, 9, 1)
    assert (out["arcs_rated"], out["arcs_closed"], out["note"]) == (6, 2, None)
    assert out["states"] == [
        {"state": "Fluide", "arcs": 3, "share": 0.3333},
        {"state": "Pré-saturé", "arcs": 1, "share": 0.1111},
        {"state": "Saturé", "arcs": 1, "share": 0.1111},
        {"state": "Bloqué", "arcs": 2, "share": 0.2222},
        {"state": "Inconnu", "arcs": 2, "share": 0.2222},
    ]
    # k known on arcs 1-6 and 9: (5 + 10 + 12 + 20 + 40 + 60 + 55) / 7 = 202 / 7
    assert (out["arcs_with_occupancy"], out["mean_occupancy_k"]) == (7, 28.86)


@pytest.mark.parametrize(
    ("states", "index"),
    [
        (["Fluide", "Fluide"], 0.0),
        (["Pré-saturé"], 33.3),
        (["Saturé", "Saturé", "Inconnu"], 66.7),
        (["Bloqué"], 100.0),
        (["Fluide", "Bloqué"], 50.0),
    ],
)
def test_congestion_index_scale(states: list[str], index: float) -> None:
    rows = [traffic(str(i), state) for i, state in enumerate(states)]
    assert run(CONGESTION, rows)["congestion_index"] == index


def test_congestion_index_without_rated_arcs() -> None:
    empty = run(CONGESTION, [])
    assert (empty["congestion_index"], empty["data_hour"], empty["arcs"]) == (None, None, 0)
    assert empty["note"] == "no traffic snapshot yet"
    assert all(s["share"] is None for s in empty["states"])
    unknown = run(CONGESTION, [traffic("1", "Inconnu"), traffic("2", "Fluide", status="Barré")])
    assert (unknown["congestion_index"], unknown["arcs_rated"]) == (None, 0)
    assert unknown["note"] == "no open arc with a known traffic state in the latest hour"


def test_a_partial_newest_hour_is_said() -> None:
    rows = [
        traffic("1", "Bloqué"),
        traffic("2", "Fluide", hours_ago=1),
        traffic("3", "Fluide", hours_ago=1),
    ]
    out = run(CONGESTION, rows)
    assert (out["congestion_index"], out["arcs"], out["arcs_older_hours"]) == (100.0, 1, 2)
    assert out["note"] == ("partial hour: 1 of 3 arcs counted for data_hour, the others lag behind")


def critical_hour() -> list[dict[str, Any]]:
    return [
        traffic("1", "Saturé", k=35),
        traffic("2", "Bloqué", k=60, q=120),
        traffic("3", "Saturé", k=45),
        traffic("4", "Bloqué"),  # state published, k not measured: last
        traffic("5", "Saturé", k=60),  # same k as arc 2: Bloqué first
        traffic("6", "Fluide", k=3),
        traffic("11", "Inconnu", status="Barré", arrondissement=5),
        traffic("12", "Bloqué", k=70, status="Barré"),  # closed, not critical
        traffic("10", "Inconnu", status="Barré", arrondissement=None, zone="outside Paris"),
        traffic("20", "Bloqué", k=90, hours_ago=2),
    ]


def test_critical_segments_ranked_by_occupancy() -> None:
    out = run(CRITICAL, critical_hour())
    assert (out["data_hour"], out["arcs"], out["arcs_older_hours"]) == (HOUR, 9, 1)
    assert (out["saturated"], out["blocked"], out["closed"]) == (3, 2, 3)
    assert [s["entity_id"] for s in out["critical"]] == ["2", "5", "3", "1", "4"]
    assert [s["entity_id"] for s in out["closed_arcs"]] == ["11", "12", "10"]
    assert out["critical"][0] == {
        "entity_id": "2",
        "label": "Arc_2",
        "traffic_state": "Bloqué",
        "arc_status": "Ouvert",
        "occupancy_k": 60.0,
        "flow_q": 120.0,
        "arrondissement": 12,
        "zone": "Paris 12e",
        "lon": 2.37,
        "lat": 48.84,
    }
    assert (out["max_segments"], out["note"]) == (100, None)


def test_critical_segments_lists_are_cut_not_counts() -> None:
    out = run(CRITICAL, critical_hour(), CRITICAL.settings(max_segments=2))
    assert [s["entity_id"] for s in out["critical"]] == ["2", "5"]
    assert [s["entity_id"] for s in out["closed_arcs"]] == ["11", "12"]
    assert (out["saturated"], out["blocked"], out["closed"]) == (3, 2, 3)
    assert out["note"] == "lists cut to the first 2 segments (max_segments)"


def test_critical_segments_calm_or_empty() -> None:
    calm = run(CRITICAL, [traffic("1", "Fluide", k=4)])
    assert (calm["critical"], calm["closed_arcs"], calm["note"]) == ([], [], None)
    empty = run(CRITICAL, [])
    assert (empty["data_hour"], empty["critical"]) == (None, [])
    assert empty["note"] == "no traffic snapshot yet"


def test_fluidity_by_zone() -> None:
    rows = [
        traffic("1", "Fluide", k=10, q=400),
        traffic("2", "Pré-saturé", k=20),  # q not measured: never counted as 0
        traffic("3", "Inconnu", q=200),
        traffic("4", "Inconnu", status="Barré"),
        traffic("5", "Fluide", k=4, arrondissement=5),
        traffic("6", "Fluide", k=6, arrondissement=5),
        traffic("7", "Fluide", k=8, q=50, arrondissement=20),
        traffic("8", "Saturé", k=40, q=1000, arrondissement=None, zone="outside Paris"),
        traffic("9", "Inconnu", arrondissement=None, lon=None, lat=None),
        traffic("10", "Bloqué", k=80, hours_ago=1),
    ]
    out = run(FLUIDITY, rows)
    assert (out["data_hour"], out["arcs"], out["arcs_older_hours"]) == (HOUR, 9, 1)
    assert [z["zone"] for z in out["zones"]] == [
        "Paris 5e",
        "Paris 12e",
        "Paris 20e",
        "outside Paris",
        "unknown",
    ]
    fifth, twelfth, _, outside, unknown = out["zones"]
    assert twelfth == {
        "zone": "Paris 12e",
        "arrondissement": 12,
        "arcs": 4,
        "arcs_rated": 2,
        "fluid_arcs": 1,
        "share_fluid": 0.5,
        "arcs_with_occupancy": 2,
        "mean_occupancy_k": 15.0,
        "arcs_with_flow": 2,
        "mean_flow_q": 300.0,  # (400 + 200) / 2
    }
    assert (fifth["share_fluid"], fifth["mean_occupancy_k"]) == (1.0, 5.0)
    assert (fifth["arcs_with_flow"], fifth["mean_flow_q"]) == (0, None)
    assert (outside["arrondissement"], outside["share_fluid"], outside["mean_flow_q"]) == (
        None,
        0.0,
        1000.0,
    )
    assert (unknown["arcs"], unknown["share_fluid"], unknown["mean_occupancy_k"]) == (1, None, None)
    assert out["note"] is None


def test_fluidity_by_zone_empty() -> None:
    out = run(FLUIDITY, [])
    assert (out["zones"], out["data_hour"], out["note"]) == ([], None, "no traffic snapshot yet")
