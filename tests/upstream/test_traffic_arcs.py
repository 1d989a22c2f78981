"""The traffic arcs lie inside Paris, along streets (issue 15), as the export serves them."""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections import defaultdict
from typing import Any

import pytest
import shapely
from shapely.geometry import LineString

from collector.geo import arrondissement_number
from replay_upstream import places
from replay_upstream.thread import ThreadedReplay
from replay_upstream.traffic_arcs import make_arcs

from .helpers import TRAFFIC

TOLERANCE_M = 15.0


def _is_junction(label: str) -> bool:
    return label.startswith("CF") and "->" in label


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot((a[0] - b[0]) * places.M_PER_DEG_LON, (a[1] - b[1]) * places.M_PER_DEG_LAT)


@pytest.fixture(scope="module")
def arcs(replay_upstream_server: ThreadedReplay) -> list[dict[str, Any]]:
    """One published hour of the export (the test clock's last), read once for the module."""
    query = urllib.parse.urlencode({"where": "t_1h = date'2025-11-04T22:00:00'"})
    url = f"{replay_upstream_server.url}{TRAFFIC}/exports/json?{query}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        rows: list[dict[str, Any]] = json.loads(answer.read())
    assert len(rows) == 2977
    return rows


def test_every_arc_lies_inside_paris(arcs: list[dict[str, Any]]) -> None:
    city = shapely.union_all(list(places.polygons().values())).buffer(
        TOLERANCE_M / places.M_PER_DEG_LAT
    )
    shapes = [r["geo_shape"]["geometry"] for r in arcs if r["geo_shape"]]
    assert len(shapes) == 2977 - 31
    outside = [s for s in shapes if not city.contains(LineString(s["coordinates"]))]
    assert not outside
    assert all(
        arrondissement_number(r["geo_point_2d"]["lon"], r["geo_point_2d"]["lat"])
        for r in arcs
        if r["geo_point_2d"]
    )


def test_a_node_is_one_place(arcs: list[dict[str, Any]]) -> None:
    """Arcs meet at nodes: an arc ends exactly where the next one starts."""
    seen: dict[str, tuple[float, float]] = {}
    for row in arcs:
        if not row["geo_shape"]:
            continue
        line = row["geo_shape"]["geometry"]["coordinates"]
        for node, point in ((row["iu_nd_amont"], line[0]), (row["iu_nd_aval"], line[-1])):
            where = seen.setdefault(node, (point[0], point[1]))
            assert _metres(where, (point[0], point[1])) < 0.5, node


def test_a_street_name_is_one_chained_street(arcs: list[dict[str, Any]]) -> None:
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in arcs:
        if not _is_junction(row["libelle"]):
            by_label[row["libelle"]].append(row)
    assert len(by_label) > 150
    for label, rows in by_label.items():
        # Each direction of a street is one chain: no node entered or left twice ...
        starts = [r["iu_nd_amont"] for r in rows]
        ends = [r["iu_nd_aval"] for r in rows]
        assert len(set(starts)) == len(starts) and len(set(ends)) == len(ends), label
        # ... and the chains, one per direction, begin where no arc of the street ends.
        following = dict(zip(starts, ends, strict=True))
        heads = set(starts) - set(ends)
        chained = 0
        for head in heads:
            node = head
            while node in following:
                node, chained = following[node], chained + 1
        loops = len(rows) - chained  # a square or a ring driven round
        assert len(heads) <= 2, (label, len(heads))
        assert loops == 0 or (not heads and loops == len(rows)), label
        # The directions of a street run side by side: never two places far apart.
        lines = [
            LineString(r["geo_shape"]["geometry"]["coordinates"]) for r in rows if r["geo_shape"]
        ]
        if len(heads) == 2 and lines:
            chains = _split_by_heads(rows, heads, following)
            gap = chains[0].distance(chains[1]) * places.M_PER_DEG_LAT
            assert gap < 20, (label, gap)


def _split_by_heads(
    rows: list[dict[str, Any]], heads: set[str], following: dict[str, str]
) -> list[Any]:
    by_start = {r["iu_nd_amont"]: r for r in rows}
    out = []
    for head in sorted(heads):
        node, parts = head, []
        while node in following:
            shape = by_start[node]["geo_shape"]
            if shape:
                parts.append(LineString(shape["geometry"]["coordinates"]))
            node = following[node]
        out.append(shapely.union_all(parts))
    return out


def test_junction_links_join_two_streets_nearby(arcs: list[dict[str, Any]]) -> None:
    label_at: dict[str, set[str]] = defaultdict(set)
    for row in arcs:
        if not _is_junction(row["libelle"]):
            label_at[row["iu_nd_amont"]].add(row["libelle"])
            label_at[row["iu_nd_aval"]].add(row["libelle"])
    junctions = [r for r in arcs if _is_junction(r["libelle"])]
    assert 60 <= len(junctions) <= 120
    assert len({r["libelle"] for r in junctions}) == len(junctions)
    for row in junctions:
        assert label_at[row["iu_nd_amont"]] and label_at[row["iu_nd_aval"]]
        assert label_at[row["iu_nd_amont"]] != label_at[row["iu_nd_aval"]]
        if row["geo_shape"]:
            line = row["geo_shape"]["geometry"]["coordinates"]
            assert _metres(tuple(line[0]), tuple(line[-1])) < 250


@pytest.mark.parametrize(
    ("label", "arrondissements"),
    [
        ("Av_Champs_Elysees", {8}),
        ("Rivoli", {1, 4}),
        ("Bd_St_Germain", {5, 6, 7}),
        ("Bd_Voltaire", {11}),
        ("Av_Flandre", {19}),
        ("Rue_Vaugirard", {6, 15}),
        ("Allee_Longchamp", {16}),  # in the Bois de Boulogne
        ("Bd_Massena", {13}),
    ],
)
def test_real_names_are_where_the_streets_are(
    arcs: list[dict[str, Any]], label: str, arrondissements: set[int]
) -> None:
    points = [r["geo_point_2d"] for r in arcs if r["libelle"] == label and r["geo_point_2d"]]
    assert len(points) >= 4
    found = {arrondissement_number(p["lon"], p["lat"]) for p in points}
    assert found <= arrondissements, found


def _in_metres(geometry: Any) -> Any:
    return shapely.transform(geometry, lambda xy: xy * [places.M_PER_DEG_LON, places.M_PER_DEG_LAT])


def test_the_peripherique_runs_along_the_city_limits(arcs: list[dict[str, Any]]) -> None:
    limits = _in_metres(shapely.union_all(list(places.polygons().values())).exterior)
    ring = [
        r for r in arcs if r["libelle"].startswith(("BP_Int_", "BP_Ext_")) and r["geo_point_2d"]
    ]
    assert 100 < len(ring) < 300
    for row in ring:
        lon, lat = row["geo_point_2d"]["lon"], row["geo_point_2d"]["lat"]
        # Except along the two woods, which are inside Paris beyond it.
        if arrondissement_number(lon, lat) not in {12, 16}:
            gap = limits.distance(_in_metres(shapely.Point(lon, lat)))
            assert gap < 400, (row["libelle"], gap)


def test_the_layout_is_a_function_of_the_seed() -> None:
    first, again, other = make_arcs(3), make_arcs(3), make_arcs(4)
    assert first == again

    def streets(arcs: list[dict[str, Any]]) -> set[str]:
        # Junction codes are drawn, and a short stretch of the ring may fall to a neighbour.
        labels = {a["libelle"] for a in arcs}
        return {x for x in labels if not _is_junction(x) and not x.startswith("BP_")}

    assert streets(first) == streets(other)
    assert [a["geo_shape"] for a in first] != [a["geo_shape"] for a in other]
