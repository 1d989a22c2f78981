"""Departures aggregations on hand-built departures; expected numbers worked out by hand."""

from __future__ import annotations

from typing import Any

from aggregations.departures_by_network import AGGREGATION as BY_NETWORK
from aggregations.departures_top_destinations import AGGREGATION as TOP
from aggregations.departures_total import AGGREGATION as TOTAL
from tests.aggregations.build import departure, run

EMPTY_NOTE = "no departure scheduled in the window (or no data yet)"
GARE_DU_NORD = {"station": "Paris Gare du Nord", "stop_area": "stop_area:SNCF:87271007"}
SAINT_LAZARE = {"station": "Paris Saint-Lazare", "stop_area": "stop_area:SNCF:87384008"}


def test_departures_by_network() -> None:
    rows = [
        departure("1", network="TGV INOUI", minutes_ago=1400),
        departure("1", network="TGV INOUI", minutes_ago=1390),  # same train, moved: once
        departure("2", network="TGV INOUI"),
        departure("3", network="OUIGO"),
        departure("4", network=None),
        departure("5", network="TER"),
        departure("6", network="TER", minutes_ago=0),
        departure("7", network="TGV INOUI"),
    ]
    out = run(BY_NETWORK, rows)
    assert out == {
        "note": None,
        "window_start": "2025-11-03T19:00:00Z",
        "window_end": "2025-11-04T19:00:00Z",
        "observed_from": "2025-11-03T19:50:00Z",
        "observed_to": "2025-11-04T19:00:00Z",
        "departures": 7,
        "cancelled": 0,
        "networks": [
            {"network": "TGV INOUI", "departures": 3, "share": 0.4286, "cancelled": 0},  # 3/7
            {"network": "TER", "departures": 2, "share": 0.2857, "cancelled": 0},
            {"network": "OUIGO", "departures": 1, "share": 0.1429, "cancelled": 0},
            {"network": "unknown", "departures": 1, "share": 0.1429, "cancelled": 0},
        ],
    }


def test_departures_by_network_empty() -> None:
    out = run(BY_NETWORK, [])
    assert (out["departures"], out["networks"], out["note"]) == (0, [], EMPTY_NOTE)
    assert out["observed_from"] is None


def destinations() -> list[dict[str, Any]]:
    lyon, lille = "Lyon Part Dieu (Lyon)", "Lille Europe (Lille)"
    marseille = "Marseille Saint-Charles (Marseille)"
    return [
        departure("1", direction=lyon),
        departure("2", direction=lyon),
        departure("3", direction=f"  {lyon} "),  # the same label once trimmed
        departure("4", direction=marseille),
        departure("5", direction=marseille),
        departure("6", direction=lille),
        departure("7", direction=lille),
        departure("8", direction=None),
        departure("9", direction="   "),
    ]


def test_top_destinations_cut_at_top_n() -> None:
    out = run(TOP, destinations(), TOP.settings(top_n=2))
    assert (out["departures"], out["top_n"], out["destinations_total"]) == (9, 2, 3)
    assert (out["departures_without_direction"], out["other_departures"]) == (2, 4)  # 9 - 3 - 2
    assert out["destinations"] == [
        {"rank": 1, "direction": "Lyon Part Dieu (Lyon)", "departures": 3, "share": 0.3333},
        # tie with Marseille (2): alphabetical order decides
        {"rank": 2, "direction": "Lille Europe (Lille)", "departures": 2, "share": 0.2222},
    ]


def test_top_destinations_default_lists_all_when_fewer() -> None:
    out = run(TOP, destinations())
    assert out["top_n"] == 10
    assert [d["rank"] for d in out["destinations"]] == [1, 2, 3]
    assert out["destinations"][2]["direction"] == "Marseille Saint-Charles (Marseille)"
    assert out["other_departures"] == 2


def test_top_destinations_empty_or_unlabelled() -> None:
    empty = run(TOP, [])
    assert (empty["destinations"], empty["other_departures"], empty["note"]) == ([], 0, EMPTY_NOTE)
    blind = run(TOP, [departure("1", direction=None)])
    assert (blind["destinations"], blind["other_departures"]) == ([], 1)
    assert blind["note"] is None


def punctual() -> list[dict[str, Any]]:
    return [
        departure("1", delay=0.0),  # base_schedule: no delay announced, on time
        departure("2", delay=10.0, freshness="realtime"),
        departure("3", delay=5.0, freshness="realtime"),  # exactly the threshold: not delayed
        departure("4", delay=None, freshness=None),
        departure("5", delay=-2.0, freshness="realtime", **GARE_DU_NORD),  # early
        departure("6", delay=20.0, freshness="realtime", **GARE_DU_NORD),
        departure("7", delay=None, **SAINT_LAZARE),
        departure("8", delay=None, **SAINT_LAZARE),
    ]


def test_departures_total_and_delays() -> None:
    out = run(TOTAL, punctual())
    assert (out["departures"], out["delay_threshold_minutes"], out["note"]) == (8, 5.0, None)
    # delays known: 0, 10, 5, -2, 20 -> mean 33 / 5; delayed (> 5): 10 and 20
    assert out["total"] == {
        "departures": 8,
        "departures_with_delay": 5,
        "departures_realtime": 4,
        "mean_delay_minutes": 6.6,
        "delayed": 2,
        "share_delayed": 0.4,
        "cancelled": 0,
    }
    assert [s["station"] for s in out["stations"]] == [
        "Paris Gare de Lyon",
        "Paris Gare du Nord",
        "Paris Saint-Lazare",
    ]
    lyon, nord, lazare = out["stations"]
    assert lyon == {
        "stop_area_id": "stop_area:SNCF:87686006",
        "station": "Paris Gare de Lyon",
        "departures": 4,
        "departures_with_delay": 3,
        "departures_realtime": 2,
        "mean_delay_minutes": 5.0,
        "delayed": 1,
        "share_delayed": 0.3333,  # (0 + 10 + 5) / 3
        "cancelled": 0,
    }
    assert (nord["mean_delay_minutes"], nord["delayed"], nord["share_delayed"]) == (9.0, 1, 0.5)
    assert (lazare["departures"], lazare["departures_with_delay"]) == (2, 0)
    assert (lazare["mean_delay_minutes"], lazare["share_delayed"]) == (None, None)


def test_departures_total_threshold_is_a_setting() -> None:
    out = run(TOTAL, punctual(), TOTAL.settings(delay_threshold_minutes=0))
    assert (out["total"]["delayed"], out["total"]["share_delayed"]) == (3, 0.6)  # 10, 5, 20


def test_departures_total_empty() -> None:
    out = run(TOTAL, [])
    assert (out["departures"], out["stations"], out["note"]) == (0, [], EMPTY_NOTE)
    assert (out["total"]["mean_delay_minutes"], out["total"]["share_delayed"]) == (None, None)


def with_cancellations() -> list[dict[str, Any]]:
    """``punctual()`` plus three cancelled trains: one late one (its last delay must not count),
    one at Gare du Nord, and the only OUIGO, towards Lille."""
    return [
        *punctual(),
        departure("9", delay=None, status="cancelled", disruption_message="Train supprimé"),
        departure("10", delay=30.0, freshness="realtime", status="cancelled", **GARE_DU_NORD),
        departure(
            "11", network="OUIGO", direction="Lille Europe (Lille)", delay=None, status="cancelled"
        ),
    ]


def test_departures_total_counts_cancellations_apart() -> None:
    plain, out = run(TOTAL, punctual()), run(TOTAL, with_cancellations())
    assert (out["departures"], out["cancelled"]) == (8, 3)
    # The figures of the trains that ran are those without the cancelled ones.
    assert {k: v for k, v in out["total"].items() if k != "cancelled"} == {
        k: v for k, v in plain["total"].items() if k != "cancelled"
    }
    assert (out["total"]["cancelled"], out["total"]["mean_delay_minutes"]) == (3, 6.6)
    lyon, nord, _ = out["stations"]
    assert (lyon["departures"], lyon["cancelled"], lyon["mean_delay_minutes"]) == (4, 2, 5.0)
    assert (nord["departures"], nord["cancelled"], nord["mean_delay_minutes"]) == (2, 1, 9.0)
    assert out["observed_to"] == plain["observed_to"]


def test_departures_by_network_counts_cancellations_apart() -> None:
    out = run(BY_NETWORK, with_cancellations())
    assert (out["departures"], out["cancelled"]) == (8, 3)
    assert out["networks"] == [
        {"network": "TGV INOUI", "departures": 8, "share": 1.0, "cancelled": 2},
        # every OUIGO train cancelled: listed, with no departure
        {"network": "OUIGO", "departures": 0, "share": 0.0, "cancelled": 1},
    ]


def test_top_destinations_leave_cancelled_trains_out() -> None:
    out = run(TOP, with_cancellations())
    assert (out["departures"], out["cancelled"], out["destinations_total"]) == (8, 3, 1)
    assert [d["direction"] for d in out["destinations"]] == ["Marseille Saint-Charles (Marseille)"]
