"""Hand-built silver records, shaped exactly like the real record dumps, and a runner.

Every builder validates its record through the source's own model and returns its
``model_dump(mode="json")``: what the core hands to ``compute``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from collector.geo import arrondissement_label
from collector.plugin import Aggregation, AggregationSettings, Inputs, Window
from sources.departures.records import Departure
from sources.parking.records import ParkingAvailability
from sources.traffic.records import TrafficCount

END = datetime(2025, 11, 4, 19, 0, tzinfo=UTC)
"""The window end of every test run (a Tuesday, 20:00 in Paris)."""


def at(minutes_before_end: float) -> str:
    """An ISO time ``minutes_before_end`` minutes before END, as in a record dump."""
    return (END - timedelta(minutes=minutes_before_end)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zone(arrondissement: int | None, zone: str | None) -> str:
    if zone is not None:
        return zone
    return arrondissement_label(arrondissement) if arrondissement else "unknown"


def parking(
    entity_id: str,
    *,
    free: int | None = None,
    minutes_ago: float = 5,
    capacity: int | None = 100,
    arrondissement: int | None = 12,
    zone: str | None = None,
    flags: Sequence[str] = (),
    **fields: Any,
) -> dict[str, Any]:
    """A car park; live when ``free`` is given, else availability unknown."""
    data: dict[str, Any] = {
        "entity_id": entity_id,
        "observed_at": at(minutes_ago),
        "name": f"Parc {entity_id}",
        "address": None,
        "arrondissement": arrondissement,
        "zone": _zone(arrondissement, zone),
        "operator": "SAEMES",
        "capacity_cars": capacity,
        "capacity_pmr": None,
        "capacity_motorbikes": None,
        "capacity_bikes": None,
        "capacity_ev": None,
        "max_height_cm": None,
        "price_1h": None,
        "price_2h": None,
        "price_3h": None,
        "price_4h": None,
        "price_24h": None,
        "lon": None,
        "lat": None,
        "live_id": "PMO01" if free is not None else None,
        "free_places": free,
        "occupancy_rate": None,
        "availability": "live" if free is not None else "unknown",
        "flags": list(flags),
    }
    data.update(fields)
    return ParkingAvailability.model_validate(data).model_dump(mode="json")


def traffic(
    entity_id: str,
    state: str,
    *,
    k: float | None = None,
    q: float | None = None,
    hours_ago: int = 0,
    arrondissement: int | None = 12,
    zone: str | None = None,
    status: str | None = "Ouvert",
    **fields: Any,
) -> dict[str, Any]:
    """One arc's count for the hour ending ``hours_ago`` hours before END."""
    data: dict[str, Any] = {
        "entity_id": entity_id,
        "observed_at": at(60 * hours_ago),
        "label": f"Arc_{entity_id}",
        "upstream_node_id": None,
        "upstream_node_label": None,
        "downstream_node_id": None,
        "downstream_node_label": None,
        "lon": 2.37,
        "lat": 48.84,
        "arrondissement": arrondissement,
        "zone": _zone(arrondissement, zone),
        "flow_q": q,
        "occupancy_k": k,
        "traffic_state": state,
        "arc_status": status,
    }
    data.update(fields)
    return TrafficCount.model_validate(data).model_dump(mode="json")


def departure(
    train: str,
    *,
    minutes_ago: float = 60,
    station: str = "Paris Gare de Lyon",
    stop_area: str = "stop_area:SNCF:87686006",
    network: str | None = "TGV INOUI",
    direction: str | None = "Marseille Saint-Charles (Marseille)",
    delay: float | None = 0.0,
    freshness: str | None = "base_schedule",
    **fields: Any,
) -> dict[str, Any]:
    """One train leaving one station, scheduled ``minutes_ago`` minutes before END."""
    base = at(minutes_ago)
    data: dict[str, Any] = {
        "entity_id": f"vehicle_journey:SNCF:2025-11-04:{train}:1187:LongDistanceTrain@{stop_area}",
        "observed_at": base,
        "stop_area_id": stop_area,
        "station": station,
        "stop_point_id": None,
        "network": network,
        "commercial_mode": network,
        "physical_mode": "Train grande vitesse",
        "direction": direction,
        "headsign": train,
        "train_number": train,
        "label": None,
        "base_departure": base,
        "realtime_departure": base,
        "delay_minutes": delay,
        "data_freshness": freshness,
    }
    data.update(fields)
    return Departure.model_validate(data).model_dump(mode="json")


def run(
    aggregation: Aggregation,
    rows: Sequence[dict[str, Any]],
    settings: AggregationSettings | None = None,
) -> dict[str, Any]:
    """``compute`` as the core calls it, ``rows`` given as the latest snapshot or the window
    (whichever the aggregation reads); the output dumped as gold stores it."""
    (dataset,) = aggregation.latest_inputs or aggregation.inputs
    latest = {dataset: list(rows)} if aggregation.latest_inputs else {}
    window = {dataset: list(rows)} if aggregation.inputs else {}
    output: BaseModel = aggregation.compute(
        Inputs(latest=latest, window=window, settings=settings or aggregation.settings(), now=END),
        Window(start=END - aggregation.window, end=END),
    )
    assert isinstance(output, aggregation.output)
    return output.model_dump(mode="json")
