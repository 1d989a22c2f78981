"""The 2,977 traffic arcs, generated once from the seed.

Arcs are laid along the streets of :mod:`.seed_streets`: each street becomes a chain of
consecutive arcs (one per direction where both are counted, a few metres apart), each
arc ending at the node where the next starts; squares are driven
round, the périphérique is cut in segments named after the portes they join. Every point
lies inside the city limits (the Bois de Boulogne and de Vincennes included). A street's
label is used for its arcs only. ~3% of arcs are short junction links between two streets,
labelled with junction codes like ``CF1424->CF0181``; 31 arcs have no geometry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from replay_upstream import places
from replay_upstream import street_lines as lines
from replay_upstream.seed_streets import PERIPHERIQUE, PLACES, SQUARES, STREETS, Point

N_ARCS = 2977
N_NO_GEOMETRY = 31
N_JUNCTIONS = 90
LANE_M = 4.0  # each direction of a two-way street drawn this far right of its axis
# Arc length by kind, relative to a street's: the périphérique is counted in long sections.
ARC_LENGTH = {"street": 1.0, "square": 0.8, "ring": 3.0}


@dataclass
class _Chain:
    label: str
    kind: str  # street, square or ring
    line: lines.Line  # dense, in metres; closed chains end where they start
    closed: bool = False
    arcs: int = 0


def _waypoints(points: tuple[Point, ...]) -> lines.Line:
    return lines.to_metres([PLACES[p] if isinstance(p, str) else p for p in points])


def _chains(rng: random.Random) -> list[_Chain]:
    chains: list[_Chain] = []
    for label, both_ways, points in STREETS:
        axis = lines.street(_waypoints(points), rng)
        if both_ways:
            chains.append(_Chain(label, "street", lines.shift(axis, LANE_M)))
            chains.append(_Chain(label, "street", lines.shift(axis, -LANE_M)[::-1].copy()))
        else:
            chains.append(_Chain(label, "street", axis))
    for label, centre, radius in SQUARES:
        chains.append(_Chain(label, "square", lines.circle(PLACES[centre], radius), closed=True))
    inner_ring = lines.ring(_peripherique())
    chains.append(_Chain("BP_Int", "ring", inner_ring, closed=True))
    outer_ring = lines.shift(inner_ring, -2 * LANE_M, closed=True)[::-1]  # left: outside
    chains.append(_Chain("BP_Ext", "ring", outer_ring, closed=True))
    return chains


def _peripherique() -> lines.Line:
    """Waypoints of the ring: outside each porte, ~60 m inside the city limits but at most
    450 m out; where the limits are far (the woods, which it skirts), 120 m out."""
    portes = _waypoints(PERIPHERIQUE)
    outward = portes / np.hypot(portes[:, 0], portes[:, 1])[:, None]
    beyond = [places.limit_beyond(*PLACES[p], margin_m=60.0, max_m=800.0) for p in PERIPHERIQUE]
    gaps = np.array([120.0 if d is None else min(max(d, 0.0), 450.0) for d in beyond])
    return portes + gaps[:, None] * outward


def _inside(chains: list[_Chain]) -> None:
    """Every vertex pulled inside Paris, in one pass over all of them."""
    everything = np.vstack([c.line for c in chains])
    inside = lines.to_metres(places.into_paris(lines.to_lonlat(everything)))
    start = 0
    for chain in chains:
        chain.line = inside[start : start + len(chain.line)]
        start += len(chain.line)
        # Points pulled to both sides of a notch in the limits are far apart: fill the gap
        # and pull again, so the line goes round the notch instead of across it.
        for _ in range(3):
            if np.diff(lines.lengths(chain.line)).max() < 2 * lines.STEP_M:
                break
            chain.line = lines.to_metres(
                places.into_paris(lines.to_lonlat(lines.densify(chain.line)))
            )


def _share(chains: list[_Chain], total: int) -> None:
    """``total`` arcs shared by length (weighted by kind), at least one per chain."""
    wanted = np.array([lines.lengths(c.line)[-1] / ARC_LENGTH[c.kind] for c in chains])
    exact = wanted * total / wanted.sum()
    counts = np.maximum(1, np.floor(exact)).astype(int)
    order = np.argsort(-(exact - np.floor(exact)))
    i = 0
    while counts.sum() < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while counts.sum() > total:
        counts[int(np.argmax(counts))] -= 1
    for chain, count in zip(chains, counts.tolist(), strict=True):
        chain.arcs = count


def _porte(index: int) -> str:
    return PERIPHERIQUE[index % len(PERIPHERIQUE)].removeprefix("Pte_")


def _ring_labels(chain: _Chain, arcs: list[lines.Line]) -> list[str]:
    """A périphérique arc's label: the segment between the two portes around its middle."""
    portes = _waypoints(PERIPHERIQUE)
    angles = np.arctan2(portes[:, 1], portes[:, 0])
    labels = []
    for arc in arcs:
        middle = arc[len(arc) // 2]
        angle = np.arctan2(middle[1], middle[0])
        # Clockwise order: the porte just before (angle above) and the one after.
        ahead = (angles - angle) % (2 * np.pi)
        before = int(np.argmin(ahead))
        after = (before + 1) % len(PERIPHERIQUE)
        if chain.label == "BP_Ext":
            before, after = after, before
        labels.append(f"{chain.label}_{_porte(before)}_{_porte(after)}")
    return labels


def _short(label: str) -> str:
    """The street part of a label, for node names: ``Bd_St_Germain`` -> ``St_Germain``."""
    head, _, rest = label.partition("_")
    return rest if head in {"Bd", "Av", "Rue", "Quai", "Pl", "Pont", "Cours", "Allee"} else label


def _nearest_places(points: lines.Line) -> list[str]:
    names = list(PLACES)
    where = lines.to_metres(list(PLACES.values()))
    gaps = np.hypot(points[:, None, 0] - where[None, :, 0], points[:, None, 1] - where[None, :, 1])
    return [names[i] for i in np.argmin(gaps, axis=1).tolist()]


@dataclass
class _Arc:
    label: str
    coords: lines.Line
    start: int  # node numbers, local to this build
    end: int
    kind: str
    chain: _Chain | None = None  # and where on it, to redraw the arc in full
    span: tuple[float, float] = (0.0, 0.0)


def _lay(chains: list[_Chain], rng: random.Random) -> tuple[list[_Arc], list[tuple[float, float]]]:
    """Arcs along every chain, and the position of each node (by node number)."""
    arcs: list[_Arc] = []
    nodes: list[tuple[float, float]] = []
    for chain in chains:
        pieces = lines.cut(chain.line, chain.arcs, rng)
        shapes = [points for _, _, points in pieces]
        labels = (
            _ring_labels(chain, shapes) if chain.kind == "ring" else [chain.label] * len(pieces)
        )
        first = len(nodes)
        nodes.extend((float(p[0][0]), float(p[0][1])) for p in shapes)
        if not chain.closed:
            nodes.append((float(shapes[-1][-1][0]), float(shapes[-1][-1][1])))
        for i, ((start, end, points), label) in enumerate(zip(pieces, labels, strict=True)):
            last = first + i + 1
            if chain.closed and i == len(pieces) - 1:
                last = first
                points[-1] = nodes[first]
            arcs.append(_Arc(label, points, first + i, last, chain.kind, chain, (start, end)))
    return arcs, nodes


def _hug_the_limits(arcs: list[_Arc]) -> None:
    """Arcs whose few bends cut a corner of the city limits keep every bend of their line."""
    inside = places.lines_in_paris([lines.to_lonlat(a.coords) for a in arcs])
    for arc, ok in zip(arcs, inside.tolist(), strict=True):
        if not ok and arc.chain is not None:
            arc.coords = lines.between(arc.chain.line, *arc.span)


def _junctions(
    arcs: list[_Arc], nodes: list[tuple[float, float]], count: int, rng: random.Random
) -> list[_Arc]:
    """Short links between nodes of two different streets 25-250 m apart."""
    where = np.asarray(nodes)
    street_of = np.empty(len(nodes), dtype=object)
    for arc in arcs:
        street_of[arc.start] = street_of[arc.end] = arc.label
    links: list[_Arc] = []
    codes: set[str] = set()
    candidates = rng.sample(range(len(nodes)), len(nodes))
    for node in candidates:
        if len(links) == count:
            break
        gaps = np.hypot(*(where - where[node]).T)
        fit = np.flatnonzero((gaps > 25) & (gaps < 250) & (street_of != street_of[node]))
        if not len(fit):
            continue
        other = int(fit[np.argmin(gaps[fit])])
        code = f"CF{rng.randint(1000, 1999)}->CF{rng.randint(0, 999):04d}"
        if code in codes:
            continue
        codes.add(code)
        a, b = where[node], where[other]
        bend = (a + b) / 2 + rng.uniform(-0.08, 0.08) * np.array([a[1] - b[1], b[0] - a[0]])
        links.append(_Arc(code, np.vstack((a, bend, b)), node, other, "junction"))
    return links


def make_arcs(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"traffic-arcs:{seed}")
    chains = _chains(rng)
    _inside(chains)
    _share(chains, N_ARCS - N_JUNCTIONS)
    laid, nodes = _lay(chains, rng)
    _hug_the_limits(laid)
    laid += _junctions(laid, nodes, N_ARCS - len(laid), rng)
    rng.shuffle(laid)
    ids = iter(rng.sample(range(1, 7200), N_ARCS))
    node_ids = rng.sample(range(100, 20_000), len(nodes))
    owner: dict[int, str] = {}
    for arc in laid:
        if arc.kind != "junction":
            owner.setdefault(arc.start, arc.label)
            owner.setdefault(arc.end, arc.label)
    near = _nearest_places(np.asarray(nodes))
    node_label = [f"{_short(owner[i])}-{near[i]}" for i in range(len(nodes))]
    arcs: list[dict[str, Any]] = []
    for item in laid:
        ring = item.kind == "ring"  # the périphérique carries far more
        arcs.append(
            {
                "iu_ac": str(next(ids)),
                "libelle": item.label,
                "coords": lines.to_lonlat(item.coords).tolist(),
                "iu_nd_amont": str(node_ids[item.start]),
                "libelle_nd_amont": node_label[item.start],
                "iu_nd_aval": str(node_ids[item.end]),
                "libelle_nd_aval": node_label[item.end],
                "date_debut": f"{rng.randint(1996, 2019)}-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}",
                "date_fin": "2023-01-01" if rng.random() < 0.85 else None,
                "capacity": rng.uniform(4000, 7000) if ring else rng.lognormvariate(7.1, 0.55),
                "load": rng.lognormvariate(-0.2, 0.28),
                "rush_shift": rng.choice((-1, 0, 0, 1)),
                "q_never": rng.random() < 0.22,
                "k_never": rng.random() < 0.04,
                "barre": 0.7 if rng.random() < 0.015 else 0.004,
            }
        )
    for row in rng.sample(arcs, N_NO_GEOMETRY):
        row["coords"] = None
    for row in arcs:
        _geometry(row)
    return arcs


def _geometry(arc: dict[str, Any]) -> None:
    coords = arc.pop("coords")
    arc["geo_point_2d"] = arc["geo_shape"] = None
    if not coords:
        return
    half = len(coords) // 2
    middle = (
        coords[half]
        if len(coords) % 2
        else (
            (coords[half - 1][0] + coords[half][0]) / 2,
            (coords[half - 1][1] + coords[half][1]) / 2,
        )
    )
    arc["geo_point_2d"] = {"lon": middle[0], "lat": middle[1]}
    arc["geo_shape"] = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(x, 6), round(y, 6)] for x, y in coords],
        },
    }
