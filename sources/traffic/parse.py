"""Pure parser: ``{"counts": [...], "arcs": [...] | null}`` -> TrafficCount and Arc records.

A full hour is ~2,977 rows, a nightly batch ~71,000. Every row goes through pydantic, all the
rows of a payload in one call (``validate_many``, which still gives each bad row its own
reason): measured, it is faster than hand checks plus ``model_construct``. What repeats across
rows (the hour's timestamp, a centroid's arrondissement) is computed once and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from collector.geo import OUTSIDE_PARIS, arrondissement_label, arrondissement_number
from collector.plugin import Invalid, Notice, Parsed, Record, validate, validate_many
from sources.traffic.records import Arc, TrafficCount
from sources.traffic.window import hour_of, too_late, until_of

PHANTOM = "*"
UNKNOWN_ZONE = "unknown"
# Every field the dataset publishes (the fetch selects some of them): anything else is news.
KNOWN_FIELDS = frozenset(
    {
        "iu_ac",
        "libelle",
        "t_1h",
        "q",
        "k",
        "etat_trafic",
        "etat_barre",
        "iu_nd_amont",
        "libelle_nd_amont",
        "iu_nd_aval",
        "libelle_nd_aval",
        "date_debut",
        "date_fin",
        "geo_point_2d",
        "geo_shape",
    }
)


def parse(payload: bytes) -> Iterator[Parsed]:
    data = orjson.loads(payload)
    if not isinstance(data, dict) or not isinstance(data.get("counts"), list):
        raise ValueError("not a traffic bundle: expected {'counts': [...], 'arcs': [...]|null}")
    new_fields: set[str] = set()
    until = until_of(data.get("window"))
    yield from _rows(data["counts"], TrafficCount, count_fields, until, new_fields)
    if isinstance(data.get("arcs"), list):
        yield from _rows(data["arcs"], Arc, arc_fields, None, new_fields)
    if new_fields:
        names = ",".join(sorted(new_fields))
        yield Notice(
            key=f"new_fields:traffic:{names}",
            message=f"upstream rows carry fields the parser does not know: {names}",
        )


def _rows(
    rows: list[Any],
    model: type[Record],
    fields_of: Callable[[dict[str, Any]], dict[str, Any]],
    until: datetime | None,
    new_fields: set[str],
) -> list[Parsed]:
    """The rows in order: set aside here, or mapped and then validated all in one call."""
    out: list[Parsed | None] = []  # None: the place of the next validated row
    pending: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any]] = set()
    # The rows of a payload share a few hours: judge each hour once, not each row.
    late_hours: dict[str, bool] = {}
    for row in rows:
        if not isinstance(row, dict):
            out.append(Invalid(reason="row is not a JSON object", data=row))
            continue
        if not KNOWN_FIELDS.issuperset(row):
            new_fields.update(row.keys() - KNOWN_FIELDS)
        iu_ac = row.get("iu_ac")
        if iu_ac == PHANTOM:  # the publisher's phantom row, every other field null
            continue
        hour = row.get("t_1h")
        try:
            key = (iu_ac, hour)
            if key in seen and iu_ac is not None:
                continue  # duplicate (arc, hour): first one wins
            seen.add(key)
        except TypeError:
            pass  # an id or hour that is a list or an object: pydantic gives the row its reason
        if until is not None and type(hour) is str:
            late = late_hours.get(hour)
            if late is None:
                late = late_hours[hour] = too_late(row, until) is not None
            if late:
                out.append(too_late(row, until))
                continue
        out.append(None)
        pending.append(fields_of(row))
    validated = iter(validate_many(model, pending))
    return [next(validated) if item is None else item for item in out]


def _common(row: dict[str, Any]) -> dict[str, Any]:
    point = row.get("geo_point_2d")
    lon, lat = (point.get("lon"), point.get("lat")) if type(point) is dict else (None, None)
    # A centroid is two floats (what orjson gives): straight to the cached lookup.
    if type(lon) is float and type(lat) is float:
        arrondissement, zone = _place(lon, lat)
    else:
        arrondissement, zone = place(lon, lat)
    hour = row.get("t_1h")
    return {
        "entity_id": row.get("iu_ac"),
        # the same few hours repeat on every row: parse each once (a bad one goes to pydantic)
        "observed_at": (hour_of(hour) or hour) if type(hour) is str else hour,
        "label": row.get("libelle"),
        "upstream_node_id": row.get("iu_nd_amont"),
        "upstream_node_label": row.get("libelle_nd_amont"),
        "downstream_node_id": row.get("iu_nd_aval"),
        "downstream_node_label": row.get("libelle_nd_aval"),
        "lon": lon,
        "lat": lat,
        "arrondissement": arrondissement,
        "zone": zone,
    }


def _count(row: dict[str, Any]) -> Parsed:
    return validate(TrafficCount, count_fields(row))


def count_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A raw count row mapped onto the TrafficCount fields, unchecked."""
    fields = _common(row)
    fields["flow_q"] = row.get("q")
    fields["occupancy_k"] = row.get("k")
    fields["traffic_state"] = row.get("etat_trafic") or state_of(row.get("k"))
    fields["arc_status"] = row.get("etat_barre")
    return fields


def _arc(row: dict[str, Any]) -> Parsed:
    return validate(Arc, arc_fields(row))


def arc_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A raw arc row mapped onto the Arc fields, unchecked."""
    fields = _common(row)
    fields["geometry"] = _line(row.get("geo_shape"))
    return fields


def _line(shape: Any) -> Any:
    """GeoJSON Feature or geometry -> [[lon, lat], ...]; MultiLineString parts are chained."""
    if not isinstance(shape, dict):
        return None
    geometry = shape.get("geometry", shape) if shape.get("type") == "Feature" else shape
    if not isinstance(geometry, dict):
        return None
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "MultiLineString" and isinstance(coordinates, list):
        return [point for part in coordinates if isinstance(part, list) for point in part]
    return coordinates


def state_of(k: Any) -> str:
    """The publisher's rule, used only when ``etat_trafic`` is missing."""
    if type(k) not in (int, float):
        return "Inconnu"
    return "Fluide" if k < 15 else "Pré-saturé" if k < 30 else "Saturé" if k < 50 else "Bloqué"


def place(lon: Any, lat: Any) -> tuple[int | None, str]:
    """(arrondissement, zone) of a centroid; cached so repeated hours cost nothing."""
    x, y = _number(lon), _number(lat)
    if x is None or y is None:
        return None, UNKNOWN_ZONE
    return _place(x, y)


def _number(value: Any) -> float | None:
    if type(value) in (int, float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


@lru_cache(maxsize=32768)
def _place(lon: float, lat: float) -> tuple[int | None, str]:
    number = arrondissement_number(lon, lat)
    return number, OUTSIDE_PARIS if number is None else arrondissement_label(number)
