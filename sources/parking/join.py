"""Join rule: which SAEMES live counter belongs to which Paris car park.

Names differ between the two publishers ("Parking Méditerranée - Gare de Lyon" and
"MEDITERRANEE GARE DE LYON"), and so do positions (the SAEMES point is an entrance, the Paris
point a centroid: tens to a few hundred metres apart). A pair is a candidate when

* the points are at most ``NEAR_M`` apart (location alone suffices), or
* at most ``FAR_M`` apart and the names share a significant word, or
* one side has no point and every significant word of the shorter name is in the other.

Candidates are ranked by name similarity (shared words / words of the shorter name), then by
distance, and assigned greedily one to one: each counter and each car park is used once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NEAR_M = 60.0
FAR_M = 400.0
STOPWORDS = frozenset(
    {"parking", "parkings", "parc", "de", "du", "des", "la", "le", "les", "et", "au", "aux"}
    | {"sur", "saemes", "paris", "public", "ouvrage", "souterrain"}
)
_ORDINAL = re.compile(r"^(\d+)(?:e|er|eme|ieme|me)$")
_SYNONYMS = {"st": "saint", "ste": "sainte", "bd": "boulevard", "av": "avenue"}


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    lon: float | None
    lat: float | None


def words(name: str) -> frozenset[str]:
    """Significant words: no accents, no case, no generic words, ordinals as numbers."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    out = set()
    for word in re.split(r"[^a-z0-9]+", text):
        word = _SYNONYMS.get(word, word)
        ordinal = _ORDINAL.match(word)
        word = ordinal.group(1) if ordinal else word
        if len(word) > 1 and word not in STOPWORDS:
            out.add(word)
    return frozenset(out)


def distance_m(a: Place, b: Place) -> float | None:
    if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
        return None
    x = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    y = math.radians(b.lat - a.lat)
    return 6_371_000.0 * math.hypot(x, y)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def match(cars: Sequence[Place], counters: Sequence[Place]) -> Mapping[str, str]:
    """Paris car park key -> live counter key, one to one."""
    car_words = {c.key: words(c.name) for c in cars}
    pairs: list[tuple[float, float, str, str]] = []
    for counter in counters:
        live_words = words(counter.name)
        for car in cars:
            score = similarity(car_words[car.key], live_words)
            dist = distance_m(car, counter)
            if dist is None:  # no point on one side: the names must say it all
                ok, dist = score == 1.0, FAR_M
            else:
                ok = dist <= NEAR_M or (dist <= FAR_M and score > 0)
            if ok:
                pairs.append((-score, dist, car.key, counter.key))
    pairs.sort()
    joined: dict[str, str] = {}
    used: set[str] = set()
    for _, _, car_key, counter_key in pairs:
        if car_key not in joined and counter_key not in used:
            joined[car_key] = counter_key
            used.add(counter_key)
    return joined
