"""Pure parser: ``{stop_area_id: Navitia /departures answer or error body}`` -> Departures.

Navitia times are local (``YYYYMMDDThhmmss`` in ``context.timezone``, Europe/Paris): they are
made aware with zoneinfo and stored in UTC. An ambiguous time (the October night when clocks go
back) is read as the first of the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from collector.plugin import Invalid, Notice, Parsed, validate
from sources.departures.records import Departure

PARIS = "Europe/Paris"
NOTHING_TODAY = "no_departure_this_day"  # a normal, empty answer (e.g. at night)
# A Navitia departure's fields: anything else is news worth telling the operator (once).
KNOWN_FIELDS = frozenset({"display_informations", "links", "route", "stop_date_time", "stop_point"})


def parse(payload: bytes) -> Iterator[Parsed]:
    bundle = orjson.loads(payload)
    if not isinstance(bundle, dict):
        raise ValueError("not a departures bundle: expected {stop_area_id: answer}")
    new_fields: set[str] = set()
    for stop_area, answer in bundle.items():
        if not isinstance(answer, dict):
            yield Invalid(reason=f"{stop_area}: answer is not an object", data=answer)
            continue
        error = answer.get("error")
        if isinstance(error, dict):
            if error.get("id") != NOTHING_TODAY:
                reason = f"{stop_area}: {error.get('id')}: {error.get('message')}"
                yield Invalid(reason=reason, data=answer, entity_id=stop_area)
            continue
        context = answer.get("context")
        tz = _zone(context.get("timezone") if isinstance(context, dict) else None)
        for departure in answer.get("departures") or []:
            if isinstance(departure, dict) and not KNOWN_FIELDS.issuperset(departure):
                new_fields.update(departure.keys() - KNOWN_FIELDS)
            yield _departure(stop_area, departure, tz)
    if new_fields:
        names = ",".join(sorted(new_fields))
        yield Notice(
            key=f"new_fields:departures:{names}",
            message=f"upstream departures carry fields the parser does not know: {names}",
        )


def _departure(stop_area: str, item: Any, tz: ZoneInfo) -> Parsed:
    if not isinstance(item, dict):
        return Invalid(reason="departure is not an object", data=item)
    info = _dict(item.get("display_informations"))
    times = _dict(item.get("stop_date_time"))
    stop_point = _dict(item.get("stop_point"))
    journey = next(
        (
            link.get("id")
            for link in item.get("links") or []
            if isinstance(link, dict) and link.get("type") == "vehicle_journey"
        ),
        None,
    )
    realtime = _local(times.get("departure_date_time"), tz)
    scheduled = times.get("base_departure_date_time")
    # A train added in real time has no schedule of its own: its realtime time stands in.
    base = realtime if scheduled is None else _local(scheduled, tz)
    delay = (realtime - base).total_seconds() / 60 if base and realtime else None
    fields = {
        "entity_id": f"{journey}@{stop_area}" if journey else None,
        "observed_at": base,
        "stop_area_id": stop_area,
        "station": _dict(stop_point.get("stop_area")).get("name"),
        "stop_point_id": stop_point.get("id"),
        "network": info.get("network"),
        "commercial_mode": info.get("commercial_mode"),
        "physical_mode": info.get("physical_mode"),
        "direction": info.get("direction"),
        "headsign": info.get("headsign"),
        "train_number": info.get("trip_short_name"),
        "label": info.get("label"),
        "base_departure": base,
        "realtime_departure": realtime,
        "delay_minutes": delay,
        "data_freshness": times.get("data_freshness"),
    }
    return validate(Departure, fields)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _local(text: Any, tz: ZoneInfo) -> datetime | None:
    """``20251017T054800`` in ``tz`` -> aware UTC; None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        naive = datetime.strptime(text, "%Y%m%dT%H%M%S")
        return naive.replace(tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):  # unreadable, or out of range once in UTC
        return None


@cache
def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or PARIS)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(PARIS)
