"""Pure parser: ``{"fetched_at", "information_at", "information": {...}, "status": {...}}``
-> one VelibStation per station of the status feed.

Quirks handled (see README, Limits): both field spellings, counts as numbers or numeric
strings, 0/1 or boolean flags, a station missing from the information feed (kept, flagged
``no_reference``), a negative count (set to null, flagged ``negative``), a station clock in
the future or at 1970 (the feed's own time is used instead, flagged ``time_clamped``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from collector.geo import OUTSIDE_PARIS, arrondissement_label, arrondissement_number
from collector.plugin import Invalid, Notice, Parsed, validate
from sources.velib.fields import (
    AHEAD,
    BIKES,
    DOCKS,
    FEED_TIME,
    KNOWN_INFORMATION,
    KNOWN_STATUS,
    SINCE,
    STALE,
)
from sources.velib.records import VelibStation

Row = Mapping[str, Any]


def parse(payload: bytes) -> Iterator[Parsed]:
    data = orjson.loads(payload)
    if not isinstance(data, dict) or not isinstance(data.get("status"), dict):
        raise ValueError("not a Vélib' bundle: expected {'information': {...}, 'status': {...}}")
    status, information = data["status"], data.get("information")
    # The status feed's own time bounds every station's report; the fetch time stands in,
    # also for a feed clock that is itself wrong (0, or ahead of the fetch).
    fetched_at = _time(data.get("fetched_at"))
    feed_at = _feed_time(status)
    if feed_at is None or feed_at < SINCE or (fetched_at and feed_at > fetched_at + AHEAD):
        feed_at = fetched_at
    info_rows = _rows(information)
    reference = {str(row.get("station_id")): row for row in info_rows if "station_id" in row}
    status_rows = _rows(status)
    for row in status_rows:
        try:
            yield _record(row, reference.get(str(row.get("station_id"))), feed_at)
        except (ArithmeticError, TypeError, ValueError) as exc:  # one station, not the feed
            yield Invalid(reason=f"{type(exc).__name__}: {exc}", data=dict(row))
    new_fields = _new_fields(status_rows, KNOWN_STATUS) | _new_fields(info_rows, KNOWN_INFORMATION)
    if new_fields:
        names = ",".join(sorted(new_fields))
        yield Notice(
            key=f"new_fields:velib:{names}",
            message=f"upstream rows carry fields the parser does not know: {names}",
        )


def _rows(feed: Any) -> list[Row]:
    body = feed.get("data") if isinstance(feed, dict) else None
    stations = body.get("stations") if isinstance(body, dict) else None
    return [row for row in stations if isinstance(row, dict)] if isinstance(stations, list) else []


def _new_fields(rows: Iterable[Row], known: frozenset[str]) -> set[str]:
    return {key for row in rows if not known.issuperset(row) for key in row.keys() - known}


def _record(row: Row, info: Row | None, feed_at: datetime | None) -> Parsed:
    flags: list[str] = [] if info is not None else ["no_reference"]
    info = info or {}
    lon, lat = _float(info.get("lon")), _float(info.get("lat"))
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        lon = lat = None
    arrondissement = _arrondissement(lon, lat) if lon is not None and lat is not None else None
    if arrondissement is not None:
        zone = arrondissement_label(arrondissement)
    else:
        zone = OUTSIDE_PARIS if lon is not None else "unknown"
    capacity = _count(info.get("capacity"), flags)
    types = _types(row.get("num_bikes_available_types"))
    bikes = _count(_first(row, BIKES), flags)
    mechanical = _count(types.get("mechanical"), flags)
    ebike = _count(types.get("ebike"), flags)
    docks = _count(_first(row, DOCKS), flags)
    if capacity is not None and any(
        n is not None and n > capacity for n in (bikes, docks, mechanical, ebike)
    ):
        flags.append("above_capacity")
    observed = _time(row.get("last_reported"))
    if feed_at is not None and (observed is None or observed < SINCE or observed > feed_at + AHEAD):
        observed = feed_at
        flags.append("time_clamped")
    elif observed is not None and feed_at is not None and feed_at - observed > STALE:
        flags.append("stale")
    if observed is None:
        return Invalid(reason="no time: no usable last_reported nor feed time", data=dict(row))
    code = row.get("stationCode") or info.get("stationCode")
    fields: dict[str, Any] = {
        "entity_id": _id(row.get("station_id")),
        "observed_at": observed,
        "station_code": str(code) if code not in (None, "") else None,
        "name": info.get("name") if isinstance(info.get("name"), str) else None,
        "lon": lon,
        "lat": lat,
        "capacity": capacity,
        "arrondissement": arrondissement,
        "zone": zone,
        "bikes_available": bikes,
        "mechanical_available": mechanical,
        "ebike_available": ebike,
        "docks_available": docks,
        "is_installed": _flag(row.get("is_installed")),
        "is_renting": _flag(row.get("is_renting")),
        "is_returning": _flag(row.get("is_returning")),
        "flags": sorted(set(flags), key=flags.index),
    }
    return validate(VelibStation, fields)


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    return str(value)


def _first(row: Row, names: tuple[str, ...]) -> Any:
    return next((row[name] for name in names if row.get(name) is not None), None)


def _types(value: Any) -> dict[str, Any]:
    """``[{"mechanical": 3}, {"ebike": 1}]`` (GBFS 2.x, Vélib') or one object -> one dict."""
    if isinstance(value, dict):
        return dict(value)
    out: dict[str, Any] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.update(item)
    return out


def _count(value: Any, flags: list[str]) -> int | None:
    """A non-negative whole count; a negative one is no count (``negative`` flagged)."""
    number = _float(value)
    if number is None or number != int(number):
        return None
    if number < 0:
        flags.append("negative")
        return None
    return int(number)


def _flag(value: Any) -> bool:
    """GBFS 2.x says boolean; Vélib' publishes 0/1 (sometimes as strings)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return bool(value) if isinstance(value, bool | int | float) else False


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value == value and abs(value) != float("inf") else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # "NaN", "inf", "1e999"


def _feed_time(feed: Row) -> datetime | None:
    return next((t for t in (_time(feed.get(n)) for n in FEED_TIME) if t is not None), None)


def _time(value: Any) -> datetime | None:
    """Epoch seconds (GBFS); an ISO string is accepted too."""
    try:
        if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            moment = datetime.fromisoformat(value)
            return moment.astimezone(UTC) if moment.tzinfo else None
        number = _float(value)
        return datetime.fromtimestamp(number, UTC) if number is not None else None
    except (ValueError, OverflowError, OSError):
        return None


@lru_cache(maxsize=4096)
def _arrondissement(lon: float, lat: float) -> int | None:
    return arrondissement_number(lon, lat)
