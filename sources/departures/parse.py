"""Pure parser: the realtime and base-schedule boards of each stop area -> Departures.

The payload is ``{stop_area_id: answer, ..., "base_schedule": {stop_area_id: answer}}``: the
main board (realtime, unless ``data_freshness`` says otherwise) at the top, the base schedule
under its key in the runs that asked it (and not at all in bronze written before). Each
answer is a Navitia /departures answer or an error body. A train is read from the main board
when it is there; from the base schedule only when it is cancelled there (linked to a
``NO_SERVICE`` disruption), since realtime omits it.

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
EXTRA = "base_schedule"  # the key of the base schedule answers, beside the main board's
CANCELLED, ADDED = "NO_SERVICE", "ADDITIONAL_SERVICE"  # Navitia's disruption effects
NOTHING_TODAY = "no_departure_this_day"  # a normal, empty answer (e.g. at night)
# A Navitia departure's fields: anything else is news worth telling the operator (once).
KNOWN_FIELDS = frozenset({"display_informations", "links", "route", "stop_date_time", "stop_point"})


def parse(payload: bytes) -> Iterator[Parsed]:
    bundle = orjson.loads(payload)
    if not isinstance(bundle, dict):
        raise ValueError("not a departures bundle: expected {stop_area_id: answer}")
    extra = bundle.get(EXTRA)
    main = {key: answer for key, answer in bundle.items() if key != EXTRA}
    base = extra if isinstance(extra, dict) else {}
    new_fields: set[str] = set()
    for stop_area in [*main, *(s for s in base if s not in main)]:
        seen: set[str] = set()
        failed = False  # the main answer was an error: the base one's would say it again
        for board, answers in (("main", main), (EXTRA, base)):
            if stop_area not in answers:
                continue
            answer = answers[stop_area]
            where = stop_area if board == "main" else f"{stop_area} ({board})"
            if not isinstance(answer, dict):
                yield Invalid(reason=f"{where}: answer is not an object", data=answer)
                failed = True
                continue
            error = answer.get("error")
            if isinstance(error, dict):
                if error.get("id") != NOTHING_TODAY and not failed:
                    failed = True
                    reason = f"{where}: {error.get('id')}: {error.get('message')}"
                    yield Invalid(reason=reason, data=answer, entity_id=stop_area)
                continue
            context = answer.get("context")
            tz = _zone(context.get("timezone") if isinstance(context, dict) else None)
            disruptions = _disruptions(answer)
            for departure in answer.get("departures") or []:
                if isinstance(departure, dict) and not KNOWN_FIELDS.issuperset(departure):
                    new_fields.update(departure.keys() - KNOWN_FIELDS)
                journey = _journey(departure)
                effect, message = _linked(departure, disruptions)
                if board == EXTRA and (journey in seen or effect != CANCELLED):
                    # Realtime already told of it; or it runs and realtime shows it (or it
                    # left the realtime window, delayed out of it or gone).
                    continue
                if journey:
                    seen.add(journey)
                yield _departure(stop_area, departure, tz, journey, effect, message)
    if new_fields:
        names = ",".join(sorted(new_fields))
        yield Notice(
            key=f"new_fields:departures:{names}",
            message=f"upstream departures carry fields the parser does not know: {names}",
        )


def _disruptions(answer: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    """``{disruption id: (effect, first message)}`` of one answer."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for item in answer.get("disruptions") or []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        effect = _dict(item.get("severity")).get("effect")
        texts = (_dict(m).get("text") for m in item.get("messages") or [])
        message = next((t.strip() for t in texts if isinstance(t, str) and t.strip()), None)
        out[item["id"]] = (effect if isinstance(effect, str) else None, message)
    return out


def _linked(
    item: Any, disruptions: dict[str, tuple[str | None, str | None]]
) -> tuple[str | None, str | None]:
    """The effect and message of the disruption a departure links to; a cancellation wins
    over any other effect, then the first link."""
    found = [
        disruptions[link["id"]]
        for link in _dict(_dict(item).get("display_informations")).get("links") or []
        if isinstance(link, dict)
        and link.get("type") == "disruption"
        and link.get("id") in disruptions
    ]
    found.sort(key=lambda pair: pair[0] != CANCELLED)
    return found[0] if found else (None, None)


def _journey(item: Any) -> str | None:
    found = next(
        (
            link.get("id")
            for link in _dict(item).get("links") or []
            if isinstance(link, dict) and link.get("type") == "vehicle_journey"
        ),
        None,
    )
    return found if isinstance(found, str) and found else None


def _departure(
    stop_area: str,
    item: Any,
    tz: ZoneInfo,
    journey: str | None,
    effect: str | None,
    message: str | None,
) -> Parsed:
    if not isinstance(item, dict):
        return Invalid(reason="departure is not an object", data=item)
    info = _dict(item.get("display_informations"))
    times = _dict(item.get("stop_date_time"))
    stop_point = _dict(item.get("stop_point"))
    realtime = _local(times.get("departure_date_time"), tz)
    scheduled = times.get("base_departure_date_time")
    # A train added in real time has no schedule of its own: its realtime time stands in.
    base = realtime if scheduled is None else _local(scheduled, tz)
    delay = (realtime - base).total_seconds() / 60 if base and realtime else None
    if effect == CANCELLED:
        # No train will leave: neither an expected time nor a delay.
        status, realtime, delay = "cancelled", None, None
    elif effect == ADDED or (scheduled is None and realtime is not None):
        status = "added"
    else:
        status = "delayed" if delay is not None and delay > 0 else "on_time"
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
        "status": status,
        "disruption_message": message,
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
