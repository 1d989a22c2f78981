"""Parking aggregations on hand-built records; every expected number is worked out by hand."""

from __future__ import annotations

from aggregations._parking import FreshnessSettings
from aggregations.average_availability_parking import AGGREGATION as AVERAGE
from aggregations.number_of_parkings_in_operation import AGGREGATION as IN_OPERATION
from aggregations.overall_occupancy_rate import AGGREGATION as OCCUPANCY
from aggregations.reference_pricing import AGGREGATION as PRICING
from tests.aggregations.build import parking, run


def test_average_availability_per_car_park() -> None:
    rows = [
        parking("2", free=50, capacity=200, minutes_ago=50),
        parking("2", free=70, capacity=200, minutes_ago=30),
        parking("2", free=90, capacity=200, minutes_ago=10),
        parking("10", free=30, capacity=None, minutes_ago=40),  # capacity unknown
        parking("10", free=40, capacity=None, minutes_ago=20),
        parking("1", free=0, capacity=0, minutes_ago=15),  # zero capacity
        parking("9", free=120, capacity=100, flags=["above_capacity"], minutes_ago=25),
        parking("9", free=-3, capacity=100, flags=["negative"], minutes_ago=5),
        parking("11", free=12, capacity=0, minutes_ago=5),  # above a zero capacity, unflagged
        parking("3", minutes_ago=45),  # no live count
    ]
    out = run(AVERAGE, rows)
    assert out["window_start"] == "2025-11-04T18:00:00Z"
    assert out["window_end"] == "2025-11-04T19:00:00Z"
    assert out["observed_from"] == "2025-11-04T18:10:00Z"
    assert out["observed_to"] == "2025-11-04T18:50:00Z"
    assert (out["car_parks_reporting"], out["samples"]) == (3, 6)
    assert (out["samples_rejected"], out["records_without_live_count"]) == (3, 1)
    assert out["note"] is None
    assert [p["entity_id"] for p in out["car_parks"]] == ["1", "2", "10"]
    one, two, ten = out["car_parks"]
    # (50 + 70 + 90) / 3 = 70; rates .25, .35, .45 -> .35
    assert two == {
        "entity_id": "2",
        "name": "Parc 2",
        "arrondissement": 12,
        "zone": "Paris 12e",
        "capacity_cars": 200,
        "samples": 3,
        "mean_free_places": 70.0,
        "min_free_places": 50,
        "max_free_places": 90,
        "mean_availability_rate": 0.35,
        "last_observed_at": "2025-11-04T18:50:00Z",
    }
    assert (ten["mean_free_places"], ten["mean_availability_rate"]) == (35.0, None)
    assert (one["mean_free_places"], one["mean_availability_rate"]) == (0.0, None)
    assert one["capacity_cars"] == 0


def test_average_availability_with_nothing_usable() -> None:
    empty = run(AVERAGE, [])
    assert empty["note"] == "no parking records in the window"
    assert (empty["samples"], empty["car_parks"], empty["observed_from"]) == (0, [], None)
    unknown = run(AVERAGE, [parking("1"), parking("2")])
    assert unknown["note"] == "no usable live count in the window"
    assert unknown["records_without_live_count"] == 2


def snapshot() -> list[dict[str, object]]:
    return [
        parking("1", free=10, minutes_ago=5),
        parking("2", free=0, minutes_ago=30),  # exactly at the limit: fresh
        parking("3", free=5, minutes_ago=31),  # too old
        parking("4", free=5, minutes_ago=2, flags=["stale"]),  # flagged by the source
        parking("5"),  # no live count
        parking("6", free=150, capacity=100),  # above capacity, even unflagged
        parking("7", free=20, minutes_ago=-3),  # counted after the window end
    ]


def test_parkings_in_operation() -> None:
    out = run(IN_OPERATION, snapshot())
    assert out == {
        "note": None,
        "as_of": "2025-11-04T19:00:00Z",
        "max_age_minutes": 30.0,
        "car_parks_total": 7,
        "in_operation": 3,
        "share_in_operation": 0.4286,  # 3/7
        "not_reporting": {"no_live_count": 1, "stale": 2, "implausible": 1},
        "observed_from": "2025-11-04T18:30:00Z",
        "observed_to": "2025-11-04T19:03:00Z",
    }


def test_parkings_in_operation_with_a_longer_freshness_limit() -> None:
    settings = IN_OPERATION.settings(max_age_minutes=60)
    out = run(IN_OPERATION, snapshot(), settings)
    assert (out["in_operation"], out["share_in_operation"]) == (4, 0.5714)  # 4/7
    assert out["not_reporting"]["stale"] == 1  # the flag still counts


def test_parkings_in_operation_empty_and_all_down() -> None:
    empty = run(IN_OPERATION, [])
    assert (empty["car_parks_total"], empty["share_in_operation"]) == (0, None)
    assert empty["note"] == "no parking snapshot yet"
    down = run(IN_OPERATION, [parking("1"), parking("2")])
    assert (down["in_operation"], down["share_in_operation"]) == (0, 0.0)
    assert down["not_reporting"]["no_live_count"] == 2
    assert down["note"] == "no car park reports a fresh, plausible live count"


def test_overall_occupancy_is_weighted_by_capacity() -> None:
    rows = [
        parking("1", free=50, capacity=200),
        parking("2", free=150, capacity=300),
        parking("3", free=10, capacity=None),  # capacity unknown
        parking("4", free=0, capacity=0),  # zero capacity: never a division by zero
        parking("5"),
        parking("6", free=10, minutes_ago=60),
        parking("7", free=-1, flags=["negative"]),
    ]
    out = run(OCCUPANCY, rows)
    # occupied (200-50) + (300-150) = 300 of 500 places; the mean of the rates would be .625
    assert out == {
        "note": None,
        "as_of": "2025-11-04T19:00:00Z",
        "max_age_minutes": 30.0,
        "occupancy_rate": 0.6,
        "occupied_places": 300,
        "free_places": 200,
        "capacity_places": 500,
        "car_parks_used": 2,
        "car_parks_total": 7,
        "excluded": {"no_live_count": 1, "stale": 1, "implausible": 1, "no_capacity": 2},
        "observed_from": "2025-11-04T18:55:00Z",
        "observed_to": "2025-11-04T18:55:00Z",
    }


def test_overall_occupancy_without_data() -> None:
    empty = run(OCCUPANCY, [])
    assert (empty["occupancy_rate"], empty["capacity_places"]) == (None, 0)
    assert empty["note"] == "no parking snapshot yet"
    none_used = run(OCCUPANCY, [parking("1"), parking("2", free=0, capacity=0)])
    assert none_used["occupancy_rate"] is None
    assert none_used["excluded"]["no_capacity"] == 1
    assert none_used["note"] is not None and "known capacity" in none_used["note"]


def test_occupancy_settings_are_freshness_settings() -> None:
    assert issubclass(OCCUPANCY.settings, FreshnessSettings)
    assert OCCUPANCY.settings().max_age_minutes == 30


def priced() -> list[dict[str, object]]:
    return [
        parking("1", price_1h=2.0, price_2h=4.0, price_3h=5.5, price_24h=20.0),
        parking("2", price_1h=4.0, price_2h=7.0, price_24h=30.0),
        parking("3", arrondissement=5, price_1h=3.0, price_24h=25.0),
        parking("4", arrondissement=None, zone="outside Paris", price_1h=6.0),
        parking("10", arrondissement=5),  # no price at all
    ]


def stats(duration: str, hours: int, n: int, *values: float | None) -> dict[str, object]:
    median, mean, low, high = values
    return {
        "duration": duration,
        "hours": hours,
        "car_parks_priced": n,
        "median_eur": median,
        "mean_eur": mean,
        "min_eur": low,
        "max_eur": high,
        "note": None if n else f"no car park publishes a {duration} price",
    }


def test_reference_pricing_city_statistics() -> None:
    out = run(PRICING, priced())
    assert (out["car_parks_total"], out["car_parks_priced"], out["note"]) == (5, 4, None)
    assert out["city"] == [
        stats("1h", 1, 4, 3.5, 3.75, 2.0, 6.0),  # 2, 3, 4, 6: median (3+4)/2, mean 15/4
        stats("2h", 2, 2, 5.5, 5.5, 4.0, 7.0),
        stats("3h", 3, 1, 5.5, 5.5, 5.5, 5.5),
        stats("4h", 4, 0, None, None, None, None),
        stats("24h", 24, 3, 25.0, 25.0, 20.0, 30.0),
    ]
    assert [p["entity_id"] for p in out["car_parks"]] == ["1", "2", "3", "4", "10"]
    assert out["car_parks"][1] == {
        "entity_id": "2",
        "name": "Parc 2",
        "arrondissement": 12,
        "zone": "Paris 12e",
        "price_1h": 4.0,
        "price_2h": 7.0,
        "price_3h": None,
        "price_4h": None,
        "price_24h": 30.0,
    }


def test_reference_pricing_by_arrondissement() -> None:
    zones = run(PRICING, priced())["by_zone"]
    assert [(z["zone"], z["arrondissement"], z["car_parks"]) for z in zones] == [
        ("Paris 5e", 5, 2),
        ("Paris 12e", 12, 2),
        ("outside Paris", None, 1),
    ]
    fifth, twelfth, outside = zones
    assert fifth["durations"][0] == stats("1h", 1, 1, 3.0, 3.0, 3.0, 3.0)
    assert twelfth["durations"][0] == stats("1h", 1, 2, 3.0, 3.0, 2.0, 4.0)
    assert twelfth["durations"][4] == stats("24h", 24, 2, 25.0, 25.0, 20.0, 30.0)
    assert outside["durations"][1] == stats("2h", 2, 0, None, None, None, None)


def test_reference_pricing_without_data() -> None:
    empty = run(PRICING, [])
    assert empty["note"] == "no parking snapshot yet"
    assert (empty["car_parks"], empty["by_zone"], len(empty["city"])) == ([], [], 5)
    unpriced = run(PRICING, [parking("1")])
    assert unpriced["note"] == "no car park publishes a price"
    assert unpriced["car_parks"][0]["price_1h"] is None
