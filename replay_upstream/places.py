"""Place generated things in Paris, from the bundled arrondissement polygons.

Points are drawn inside a given arrondissement, anywhere in Paris (area-weighted), or in a
ring just outside the city limits (périphérique ramps, motorway accesses); lines drawn from
approximate waypoints are pulled back inside the limits (:func:`into_paris`).
"""

from __future__ import annotations

import math
import random
from functools import cache

import numpy as np
import orjson
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from collector.geo import arrondissements_geojson

CENTRE = (2.3488, 48.8534)
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(48.8566))


@cache
def polygons() -> dict[int, Polygon]:
    out: dict[int, Polygon] = {}
    for feature in arrondissements_geojson()["features"]:
        polygon = shapely.from_geojson(orjson.dumps(feature["geometry"]))
        shapely.prepare(polygon)
        out[int(feature["properties"]["c_ar"])] = polygon
    return out


@cache
def _paris() -> BaseGeometry:
    union = shapely.union_all(list(polygons().values())).buffer(0)
    shapely.prepare(union)
    return union


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lon + east_m / M_PER_DEG_LON, lat + north_m / M_PER_DEG_LAT


@cache
def _inner(number: int, margin_m: float) -> BaseGeometry:
    polygon = polygons()[number]
    inner = polygon.buffer(-margin_m / M_PER_DEG_LAT)
    target = inner if not inner.is_empty else polygon
    shapely.prepare(target)
    return target


def in_arrondissement(
    rng: random.Random, number: int, margin_m: float = 60.0
) -> tuple[float, float]:
    """A point inside arrondissement ``number``, at least ``margin_m`` from its edge if it can."""
    target = _inner(number, margin_m)
    minx, miny, maxx, maxy = target.bounds
    for _ in range(500):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(target, lon, lat):
            return lon, lat
    point = target.representative_point()
    return point.x, point.y


@cache
def _weights() -> tuple[list[int], list[float]]:
    numbers = sorted(polygons())
    total, cumulative = 0.0, []
    for number in numbers:
        total += polygons()[number].area
        cumulative.append(total)
    return numbers, cumulative


def in_paris(rng: random.Random) -> tuple[float, float, int]:
    """A point anywhere in Paris, with its arrondissement (weighted by area)."""
    numbers, weights = _weights()
    number = rng.choices(numbers, cum_weights=weights)[0]
    lon, lat = in_arrondissement(rng, number, margin_m=20.0)
    return lon, lat, number


def outside_paris(
    rng: random.Random, min_m: float = 80.0, max_m: float = 700.0
) -> tuple[float, float]:
    """A point in a ring just outside the city limits."""
    paris = _paris()
    ring = paris.exterior if isinstance(paris, Polygon) else paris.convex_hull.exterior
    for _ in range(100):
        edge = ring.interpolate(rng.random(), normalized=True)
        dx, dy = (edge.x - CENTRE[0]) * M_PER_DEG_LON, (edge.y - CENTRE[1]) * M_PER_DEG_LAT
        norm = math.hypot(dx, dy) or 1.0
        distance = rng.uniform(min_m, max_m)
        lon, lat = offset(edge.x, edge.y, dx / norm * distance, dy / norm * distance)
        if not shapely.contains_xy(paris, lon, lat):
            return lon, lat
    return offset(*CENTRE, 9_000.0, 0.0)


def is_in_paris(lon: float, lat: float) -> bool:
    return bool(shapely.contains_xy(_paris(), lon, lat))


@cache
def _paris_within(margin_m: float) -> BaseGeometry:
    inner = _paris().buffer(-margin_m / M_PER_DEG_LAT)
    shapely.prepare(inner)
    return inner


def into_paris(lonlat: NDArray[np.float64], margin_m: float = 12.0) -> NDArray[np.float64]:
    """The points (rows of lon, lat), each one outside Paris, or within ``margin_m`` of its
    limits, moved to the nearest point that is not."""
    inner = _paris_within(margin_m)
    outside = ~shapely.contains_xy(inner, lonlat[:, 0], lonlat[:, 1])
    if not outside.any():
        return lonlat
    moved = lonlat.copy()
    links = shapely.shortest_line(inner, shapely.points(lonlat[outside]))
    moved[outside] = shapely.get_coordinates(links)[::2]  # each link starts on ``inner``
    return moved


def lines_in_paris(lines: list[NDArray[np.float64]], tolerance_m: float = 5.0) -> NDArray[np.bool_]:
    """For each polyline (rows of lon, lat): does it stay within ``tolerance_m`` of Paris?"""
    shapes = shapely.linestrings(
        np.vstack(lines), indices=np.repeat(np.arange(len(lines)), [len(x) for x in lines])
    )
    return np.asarray(shapely.contains(_paris_around(tolerance_m), shapes), dtype=bool)


@cache
def _paris_around(tolerance_m: float) -> BaseGeometry:
    around = _paris().buffer(tolerance_m / M_PER_DEG_LAT)
    shapely.prepare(around)
    return around


def limit_beyond(lon: float, lat: float, margin_m: float, max_m: float) -> float | None:
    """How far, going away from the centre from (lon, lat), until ``margin_m`` from the
    city limits; None if that is more than ``max_m``."""
    dx, dy = (lon - CENTRE[0]) * M_PER_DEG_LON, (lat - CENTRE[1]) * M_PER_DEG_LAT
    norm = math.hypot(dx, dy) or 1.0
    far = offset(lon, lat, dx / norm * max_m, dy / norm * max_m)
    ray = shapely.LineString([(lon, lat), far])
    crossing = ray.intersection(_paris_within(margin_m).boundary)
    if crossing.is_empty:
        return None
    points = shapely.get_coordinates(crossing)
    east = (points[:, 0] - lon) * M_PER_DEG_LON
    north = (points[:, 1] - lat) * M_PER_DEG_LAT
    return float(np.hypot(east, north).min())
