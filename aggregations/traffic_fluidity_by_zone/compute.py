"""Per arrondissement: arcs counted, mean occupancy, share fluid and mean flow, latest hour."""

from __future__ import annotations

from collections import defaultdict

from aggregations._common import Row, known, mean, ratio, rows_of, zone_key, zone_label
from aggregations._traffic import DATASET, coverage_note, latest_hour, rated
from aggregations.traffic_fluidity_by_zone.models import FluidityByZone, ZoneFluidity
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> FluidityByZone:
    snapshot = rows_of(inputs, DATASET, latest=True)
    hour = latest_hour(snapshot)
    zones: dict[str, list[Row]] = defaultdict(list)
    for row in hour.rows:
        zones[zone_label(row)].append(row)
    ordered = sorted(zones.items(), key=lambda z: zone_key(_arrondissement(z[1]), z[0]))
    return FluidityByZone(
        data_hour=hour.hour,
        arcs=len(hour.rows),
        arcs_older_hours=hour.older,
        zones=[_zone(zone, rows) for zone, rows in ordered],
        note=coverage_note(snapshot, hour),
    )


def _zone(zone: str, rows: list[Row]) -> ZoneFluidity:
    base = [row for row in rows if rated(row)]
    fluid = sum(1 for row in base if row.get("traffic_state") == "Fluide")
    occupancy, flow = known(rows, "occupancy_k"), known(rows, "flow_q")
    return ZoneFluidity(
        zone=zone,
        arrondissement=_arrondissement(rows),
        arcs=len(rows),
        arcs_rated=len(base),
        fluid_arcs=fluid,
        share_fluid=ratio(fluid, len(base)),
        arcs_with_occupancy=len(occupancy),
        mean_occupancy_k=mean(occupancy),
        arcs_with_flow=len(flow),
        mean_flow_q=mean(flow, 1),
    )


def _arrondissement(rows: list[Row]) -> int | None:
    value = rows[0].get("arrondissement")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
