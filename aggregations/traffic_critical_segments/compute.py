"""The road sections that are saturated, blocked or closed in the latest hour."""

from __future__ import annotations

from aggregations._common import Row, natural_key, rows_of, settings_of, zone_key, zone_label
from aggregations._traffic import DATASET, closed, coverage_note, latest_hour
from aggregations.traffic_critical_segments.models import CriticalSegments, Segment
from aggregations.traffic_critical_segments.settings import CriticalSettings
from collector.plugin import Inputs, Window

CRITICAL = {"Bloqué": 0, "Saturé": 1}  # tie-break: Bloqué first


def compute(inputs: Inputs, window: Window) -> CriticalSegments:
    limit = settings_of(inputs, CriticalSettings).max_segments
    snapshot = rows_of(inputs, DATASET, latest=True)
    hour = latest_hour(snapshot)
    critical = [r for r in hour.rows if not closed(r) and r.get("traffic_state") in CRITICAL]
    critical.sort(key=_by_occupancy)
    shut = sorted((r for r in hour.rows if closed(r)), key=_by_place)
    note = coverage_note(snapshot, hour)
    if len(critical) > limit or len(shut) > limit:
        cut = f"lists cut to the first {limit} segments (max_segments)"
        note = f"{note}; {cut}" if note else cut
    return CriticalSegments(
        data_hour=hour.hour,
        arcs=len(hour.rows),
        arcs_older_hours=hour.older,
        saturated=sum(1 for r in critical if r.get("traffic_state") == "Saturé"),
        blocked=sum(1 for r in critical if r.get("traffic_state") == "Bloqué"),
        closed=len(shut),
        max_segments=limit,
        critical=[_segment(r) for r in critical[:limit]],
        closed_arcs=[_segment(r) for r in shut[:limit]],
        note=note,
    )


def _by_occupancy(row: Row) -> tuple[bool, float, int, tuple[int, int, str]]:
    """Highest occupancy first, unmeasured last; then Bloqué before Saturé; then by id."""
    k = row.get("occupancy_k")
    return (
        not isinstance(k, int | float),
        -float(k) if isinstance(k, int | float) else 0.0,
        CRITICAL[str(row.get("traffic_state"))],
        natural_key(row.get("entity_id")),
    )


def _by_place(row: Row) -> tuple[tuple[int, int, str], tuple[int, int, str]]:
    return zone_key(row.get("arrondissement"), row.get("zone")), natural_key(row.get("entity_id"))


def _segment(row: Row) -> Segment:
    return Segment.model_validate(
        {name: row.get(name) for name in Segment.model_fields} | {"zone": zone_label(row)}
    )
