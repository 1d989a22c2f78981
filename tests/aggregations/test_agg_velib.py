"""velib_availability on hand-built records; every expected number is worked out by hand."""

from __future__ import annotations

from typing import Any

from aggregations.velib_availability import AGGREGATION as AVAILABILITY
from aggregations.velib_availability.settings import VelibAvailabilitySettings
from collector.geo import OUTSIDE_PARIS, arrondissement_label
from sources.velib.records import VelibStation
from tests.aggregations.build import at, run


def station(
    entity_id: str,
    *,
    mechanical: int | None = 3,
    ebike: int | None = 1,
    docks: int | None = 10,
    arrondissement: int | None = 12,
    zone: str | None = None,
    installed: bool = True,
    renting: bool = True,
    minutes_ago: float = 2,
    **fields: Any,
) -> dict[str, Any]:
    """One station's latest report, dumped as silver stores it."""
    bikes = None if mechanical is None or ebike is None else mechanical + ebike
    if zone is None:
        zone = arrondissement_label(arrondissement) if arrondissement else "unknown"
    data: dict[str, Any] = {
        "entity_id": entity_id,
        "observed_at": at(minutes_ago),
        "station_code": entity_id,
        "name": f"Station {entity_id}",
        "lon": None,
        "lat": None,
        "capacity": 20,
        "arrondissement": arrondissement,
        "zone": zone,
        "bikes_available": bikes,
        "mechanical_available": mechanical,
        "ebike_available": ebike,
        "docks_available": docks,
        "is_installed": installed,
        "is_renting": renting,
        "is_returning": renting,
        "flags": [],
    }
    data.update(fields)
    return VelibStation.model_validate(data).model_dump(mode="json")


def snapshot() -> list[dict[str, Any]]:
    return [
        station("1", mechanical=5, ebike=2, docks=13),  # 12e, in service
        station("2", mechanical=0, ebike=0, docks=20),  # 12e, empty
        station("3", mechanical=15, ebike=5, docks=0, arrondissement=4),  # 4e, full
        station("4", mechanical=2, ebike=0, docks=8, arrondissement=None, zone=OUTSIDE_PARIS),
        station("5", mechanical=0, ebike=0, docks=0, installed=False, renting=False),  # works
        station("6", mechanical=4, ebike=4, docks=2, renting=False),  # installed, not renting
        station("7", mechanical=None, ebike=None, docks=9, flags=["negative"]),  # null count
        station("8", mechanical=9, ebike=9, docks=0, minutes_ago=25 * 60),  # too old
    ]


def test_availability_overall() -> None:
    out = run(AVAILABILITY, snapshot())
    zones = out.pop("zones")
    assert out == {
        "note": None,
        "as_of": "2025-11-04T19:00:00Z",
        "max_age_hours": 24.0,
        "stations_total": 8,
        "stations_not_reporting": 1,  # 8: 25 h old
        "counts_unknown": 1,  # 7
        "observed_from": "2025-11-04T18:58:00Z",
        "observed_to": "2025-11-04T18:58:00Z",
        "stations": 7,
        "in_service": 5,  # 1, 2, 3, 4, 7 (5 not installed, 6 not renting)
        "not_installed": 1,
        "empty": 1,  # 2 (7's count is unknown, not zero)
        "full": 1,  # 3
        "bikes_available": 7 + 0 + 20 + 2,  # 1, 2, 3, 4; 7 unknown
        "mechanical_available": 5 + 0 + 15 + 2,
        "ebike_available": 2 + 0 + 5 + 0,
        "docks_available": 13 + 20 + 0 + 8 + 9,
        "share_empty": 0.2,
        "share_full": 0.2,
    }
    assert [z["zone"] for z in zones] == ["Paris 4e", "Paris 12e", OUTSIDE_PARIS]
    fourth, twelfth, outside = zones
    assert (fourth["stations"], fourth["full"], fourth["share_full"]) == (1, 1, 1.0)
    # 12e: 1, 2, 5, 6, 7 -> in service 1, 2, 7; bikes 7 + 0; docks 13 + 20 + 9
    assert twelfth == {
        "zone": "Paris 12e",
        "arrondissement": 12,
        "stations": 5,
        "in_service": 3,
        "not_installed": 1,
        "empty": 1,
        "full": 0,
        "bikes_available": 7,
        "mechanical_available": 5,
        "ebike_available": 2,
        "docks_available": 42,
        "share_empty": 0.3333,
        "share_full": 0.0,
    }
    assert (outside["arrondissement"], outside["bikes_available"]) == (None, 2)


def test_max_age_is_a_setting() -> None:
    out = run(AVAILABILITY, snapshot(), VelibAvailabilitySettings(max_age_hours=30))
    assert (out["stations"], out["stations_not_reporting"], out["full"]) == (8, 0, 2)
    assert out["bikes_available"] == 29 + 18


def test_nothing_to_count() -> None:
    empty = run(AVAILABILITY, [])
    assert empty["note"] == "no velib snapshot yet"
    assert (empty["stations"], empty["zones"], empty["share_empty"]) == (0, [], None)
    old = run(AVAILABILITY, [station("1", minutes_ago=48 * 60)])
    assert old["note"] == "no station reported in the last 24 h"
    assert (old["stations_total"], old["stations_not_reporting"], old["in_service"]) == (1, 1, 0)
