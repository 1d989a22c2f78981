"""Paris geography: which arrondissement a point lies in, from the bundled polygons.

Polygons: dataset ``arrondissements`` of the Ville de Paris (ODbL), in ``collector/data``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import orjson
import shapely
from shapely import STRtree
from shapely.geometry import shape

OUTSIDE_PARIS = "outside Paris"
ATTRIBUTION = "Arrondissements: Ville de Paris, ODbL"


def arrondissement_label(number: int) -> str:
    """``1`` -> ``"Paris 1er"``, ``16`` -> ``"Paris 16e"``."""
    return f"Paris {number}{'er' if number == 1 else 'e'}"


@cache
def arrondissements_geojson() -> dict[str, Any]:
    """The 20 polygons as a GeoJSON FeatureCollection (properties ``c_ar`` 1-20, ``l_ar``)."""
    text = resources.files("collector.data").joinpath("paris_arrondissements.geojson").read_bytes()
    data: dict[str, Any] = orjson.loads(text)
    return data


@cache
def _index() -> tuple[STRtree, tuple[int, ...]]:
    features = arrondissements_geojson()["features"]
    polygons = [shape(f["geometry"]) for f in features]
    for polygon in polygons:
        shapely.prepare(polygon)
    numbers = tuple(int(f["properties"]["c_ar"]) for f in features)
    return STRtree(polygons), numbers


def arrondissement_number(lon: float, lat: float) -> int | None:
    """The arrondissement (1-20) containing the point, or ``None`` outside Paris."""
    tree, numbers = _index()
    hits = tree.query(shapely.points(lon, lat), predicate="intersects")
    if len(hits) == 0:
        return None
    return min(numbers[int(i)] for i in hits)


def arrondissement_of(lon: float | None, lat: float | None) -> str | None:
    """``"Paris 12e"``, ``"outside Paris"``, or ``None`` when the point is unknown."""
    if lon is None or lat is None:
        return None
    number = arrondissement_number(lon, lat)
    return OUTSIDE_PARIS if number is None else arrondissement_label(number)
