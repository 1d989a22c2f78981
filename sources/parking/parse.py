"""Pure parser: ``{"fetched_at", "reference_at", "reference": [...], "live": [pages] | null,
"live_error", "live_down_since"}`` -> one ParkingAvailability per Paris car park.

The reference's types are partly unconfirmed: numbers may come as numbers or strings
("4,10 €", "1 250"); anything unreadable becomes ``None`` rather than losing the car park.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from collector.geo import OUTSIDE_PARIS, arrondissement_label, arrondissement_number
from collector.plugin import Invalid, Notice, Parsed, validate
from sources.parking.fields import (
    CAPACITIES,
    COUNTER,
    KNOWN_LIVE,
    KNOWN_REFERENCE,
    PRICES,
    STALE,
)
from sources.parking.join import Place, match
from sources.parking.records import ParkingAvailability

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse(payload: bytes) -> Iterator[Parsed]:
    data = orjson.loads(payload)
    if not isinstance(data, dict) or not isinstance(data.get("reference"), list):
        raise ValueError("not a parking bundle: expected {'reference': [...], 'live': ...}")
    fetched_at = _time(data.get("fetched_at"))
    # Car parks without a live count keep one time while nothing changes: the reference's
    # fetch time, or the start of a live-feed outage (so they never go back in time).
    times = (_time(data.get("reference_at")), _time(data.get("live_down_since")))
    stable = max((t for t in times if t is not None), default=None)
    cars = [row for row in data["reference"] if isinstance(row, dict)]
    live = _counters(data.get("live"))
    joined = match(
        [Place(str(c.get("id")), str(c.get("nom") or ""), *_car_point(c)) for c in cars],
        [Place(k, str(r.get("nom_parking") or ""), *_point(r.get("geo"))) for k, r in live.items()],
    )
    for car in cars:
        yield _record(car, live.get(joined.get(str(car.get("id")), "")), stable, fetched_at)
    new_fields = _new_fields(cars, KNOWN_REFERENCE) | _new_fields(live.values(), KNOWN_LIVE)
    if new_fields:
        names = ",".join(sorted(new_fields))
        yield Notice(
            key=f"new_fields:parking:{names}",
            message=f"upstream rows carry fields the parser does not know: {names}",
        )


def _new_fields(rows: Iterable[dict[str, Any]], known: frozenset[str]) -> set[str]:
    return {key for row in rows if not known.issuperset(row) for key in row.keys() - known}


def _counters(pages: Any) -> dict[str, dict[str, Any]]:
    """STANDARD rows of every live page, keyed by facility id (or name when it has none)."""
    rows: dict[str, dict[str, Any]] = {}
    for page in pages if isinstance(pages, list) else []:
        results = page.get("results") if isinstance(page, dict) else None
        for row in results if isinstance(results, list) else []:
            if isinstance(row, dict) and str(row.get("countertype", "")).upper() == COUNTER:
                key = row.get("facilityid") or row.get("pmo_number") or row.get("nom_parking")
                rows.setdefault(str(key), row)
    return rows


def _record(
    car: dict[str, Any],
    live: dict[str, Any] | None,
    stable: datetime | None,
    fetched_at: datetime | None,
) -> Parsed:
    lon, lat = _car_point(car)
    arrondissement, zone = _place(lon, lat, car.get("arrdt"))
    fields: dict[str, Any] = {
        "entity_id": str(car["id"]) if car.get("id") is not None else None,
        "name": car.get("nom"),
        "address": car.get("adresse"),
        "arrondissement": arrondissement,
        "zone": zone,
        "operator": car.get("deleg"),
        "lon": lon,
        "lat": lat,
        **{field: _int(car.get(key)) for field, key in CAPACITIES.items()},
        "max_height_cm": _height_cm(car.get("hauteur_max")),
        **{field: _price(car.get(key)) for field, key in PRICES.items()},
        "observed_at": stable,
        "live_id": None,
        "free_places": None,
        "occupancy_rate": None,
        "availability": "unknown",
        "flags": [],
    }
    counted_at = _time(live.get("date")) if live else None
    free = _int(live.get("counterfreeplaces")) if live else None
    if live is not None and counted_at is not None and free is not None:
        capacity, flags = fields["capacity_cars"], []
        if free < 0:
            flags.append("negative")
        elif capacity is not None and free > capacity:
            flags.append("above_capacity")
        if fetched_at is not None and fetched_at - counted_at > STALE:
            flags.append("stale")
        rate = None
        if capacity and not {"negative", "above_capacity"} & set(flags):
            rate = round(1 - free / capacity, 4)
        fields.update(
            observed_at=counted_at,
            live_id=live.get("facilityid") or live.get("pmo_number"),
            free_places=free,
            occupancy_rate=rate,
            availability="live",
            flags=flags,
        )
    if fields["observed_at"] is None:
        return Invalid(reason="no time: neither a live count nor a reference time", data=car)
    return validate(ParkingAvailability, fields)


def _place(lon: float | None, lat: float | None, arrdt: Any) -> tuple[int | None, str]:
    """Geography first (same polygons as every source), the publisher's ``arrdt`` else."""
    if lon is not None and lat is not None:
        number = _arrondissement(lon, lat)
        return number, OUTSIDE_PARIS if number is None else arrondissement_label(number)
    number = _int(arrdt)
    if number is not None and 75101 <= number <= 75120:
        number -= 75100
    elif number is not None and 75001 <= number <= 75020:
        number -= 75000
    if number is not None and 1 <= number <= 20:
        return number, arrondissement_label(number)
    return None, "unknown"


@lru_cache(maxsize=1024)
def _arrondissement(lon: float, lat: float) -> int | None:
    return arrondissement_number(lon, lat)


def _car_point(car: dict[str, Any]) -> tuple[float | None, float | None]:
    lon, lat = _point(car.get("geo_point_2d"))
    if lon is None or lat is None:
        return _float(car.get("xlong")), _float(car.get("ylat"))
    return lon, lat


def _point(value: Any) -> tuple[float | None, float | None]:
    """``{"lon", "lat"}`` (v2.1) or ``[lat, lon]`` (v1 style)."""
    if isinstance(value, dict):
        return _float(value.get("lon")), _float(value.get("lat"))
    if isinstance(value, list) and len(value) == 2:
        return _float(value[1]), _float(value[0])
    return None, None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    found = _NUMBER.search(str(value).replace("\u202f", "").replace("\xa0", "").replace(" ", ""))
    return float(found.group().replace(",", ".")) if found else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return round(number) if number is not None else None


def _height_cm(value: Any) -> int | None:
    """Centimetres; a value under 10 can only be metres ("1,90 m")."""
    number = _float(value)
    if number is None:
        return None
    return round(number * 100) if 0 < number < 10 else round(number)


def _price(value: Any) -> float | None:
    number = _float(value)
    return number if number is not None and number >= 0 else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo else None
    except (ValueError, OverflowError):  # unreadable, or out of range once in UTC
        return None
