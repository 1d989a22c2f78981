"""The ~2,977 traffic arcs, generated once from the seed.

Chains of road sections along named streets, placed with the arrondissement polygons (a few
percent on périphérique and motorway ramps just outside the city), consecutive arcs sharing
a node. 31 arcs have no geometry; ~3% carry junction-code labels like ``CF1424->CF0181``.
"""

from __future__ import annotations

import math
import random
from typing import Any

from replay_upstream import places
from replay_upstream.seed_names import NODES, OUTER, STREETS

N_ARCS = 2977
N_NO_GEOMETRY = 31


def make_arcs(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"traffic-arcs:{seed}")
    ids = iter(rng.sample(range(1, 7200), N_ARCS))
    node_ids = iter(rng.sample(range(100, 9000), N_ARCS * 2))
    arcs: list[dict[str, Any]] = []
    while len(arcs) < N_ARCS:
        outer = rng.random() < 0.02
        if outer:
            lon, lat = places.outside_paris(rng)
            street = rng.choice(OUTER)
        else:
            lon, lat, _ = places.in_paris(rng)
            street = rng.choice(STREETS)
        heading = rng.uniform(0, 2 * math.pi)
        node, node_label = str(next(node_ids)), f"{street.split('_')[-1]}-{rng.choice(NODES)}"
        for i in range(min(rng.randint(2, 9), N_ARCS - len(arcs))):
            coords = [(lon, lat)]
            if not outer and not places.is_in_paris(lon, lat):
                heading = math.atan2(places.CENTRE[1] - lat, places.CENTRE[0] - lon)
            for _ in range(rng.choice((2, 3, 3, 4, 4, 5))):
                heading += rng.gauss(0, 0.12)
                step = rng.uniform(30, 120)
                lon, lat = places.offset(
                    lon, lat, math.cos(heading) * step, math.sin(heading) * step
                )
                coords.append((lon, lat))
            nxt, nxt_label = str(next(node_ids)), f"{street.split('_')[-1]}-{rng.choice(NODES)}"
            label = f"{street}_{i + 1}" if outer else street
            if rng.random() < 0.03:
                label = f"CF{rng.randint(1000, 1999)}->CF{rng.randint(0, 999):04d}"
            arcs.append(
                {
                    "iu_ac": str(next(ids)),
                    "libelle": label,
                    "coords": coords,
                    "iu_nd_amont": node,
                    "libelle_nd_amont": node_label,
                    "iu_nd_aval": nxt,
                    "libelle_nd_aval": nxt_label,
                    "date_debut": f"{rng.randint(1996, 2019)}-{rng.randint(1, 12):02d}-"
                    f"{rng.randint(1, 28):02d}",
                    "date_fin": "2023-01-01" if rng.random() < 0.85 else None,
                    "capacity": rng.uniform(4000, 7000) if outer else rng.lognormvariate(7.1, 0.55),
                    "load": rng.lognormvariate(-0.2, 0.28),
                    "rush_shift": rng.choice((-1, 0, 0, 1)),
                    "q_never": rng.random() < 0.22,
                    "k_never": rng.random() < 0.04,
                    "barre": 0.7 if rng.random() < 0.015 else 0.004,
                }
            )
            node, node_label = nxt, nxt_label
    for arc in rng.sample(arcs, N_NO_GEOMETRY):
        arc["coords"] = None
    for arc in arcs:
        coords = arc.pop("coords")
        arc["geo_point_2d"] = arc["geo_shape"] = None
        if coords:
            middle = (
                coords[len(coords) // 2]
                if len(coords) % 2
                else (
                    (coords[len(coords) // 2 - 1][0] + coords[len(coords) // 2][0]) / 2,
                    (coords[len(coords) // 2 - 1][1] + coords[len(coords) // 2][1]) / 2,
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
    return arcs
