"""Vélib' availability now, from the latest report of every station, overall and by zone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aggregations._common import (
    Row,
    parse_time,
    ratio,
    rows_of,
    settings_of,
    time_span,
    zone_key,
    zone_label,
)
from aggregations.velib_availability.models import Counts, VelibAvailability, ZoneAvailability
from aggregations.velib_availability.settings import VelibAvailabilitySettings
from collector.plugin import Inputs, Window

DATASET = "velib"
SUMS = ("bikes_available", "mechanical_available", "ebike_available", "docks_available")


def compute(inputs: Inputs, window: Window) -> VelibAvailability:
    settings = settings_of(inputs, VelibAvailabilitySettings)
    oldest = window.end - timedelta(hours=settings.max_age_hours)
    rows = rows_of(inputs, DATASET, latest=True)
    counted = [row for row in rows if (t := parse_time(row.get("observed_at"))) and t >= oldest]
    by_zone: dict[str, list[Row]] = defaultdict(list)
    for row in counted:
        by_zone[zone_label(row)].append(row)
    zones = [
        ZoneAvailability(
            zone=zone, arrondissement=_int(group[0].get("arrondissement")), **_counts(group)
        )
        for zone, group in by_zone.items()
    ]
    zones.sort(key=lambda z: zone_key(z.arrondissement, z.zone))
    first, last = time_span(counted)
    serving = [row for row in counted if _in_service(row)]
    note = None
    if not rows:
        note = "no velib snapshot yet"
    elif not counted:
        note = f"no station reported in the last {settings.max_age_hours:g} h"
    return VelibAvailability(
        as_of=window.end,
        max_age_hours=settings.max_age_hours,
        stations_total=len(rows),
        stations_not_reporting=len(rows) - len(counted),
        counts_unknown=sum(1 for row in serving if _int(row.get("bikes_available")) is None),
        observed_from=first,
        observed_to=last,
        zones=zones,
        note=note,
        **_counts(counted),
    )


def _counts(rows: Sequence[Row]) -> dict[str, Any]:
    serving = [row for row in rows if _in_service(row)]
    empty = sum(1 for row in serving if _int(row.get("bikes_available")) == 0)
    full = sum(1 for row in serving if _int(row.get("docks_available")) == 0)
    sums = {field: sum(_int(row.get(field)) or 0 for row in serving) for field in SUMS}
    counts = Counts(
        stations=len(rows),
        in_service=len(serving),
        not_installed=sum(1 for row in rows if row.get("is_installed") is not True),
        empty=empty,
        full=full,
        share_empty=ratio(empty, len(serving)),
        share_full=ratio(full, len(serving)),
        **sums,
    )
    return counts.model_dump()


def _in_service(row: Row) -> bool:
    return row.get("is_installed") is True and row.get("is_renting") is True


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)
