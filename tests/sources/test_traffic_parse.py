"""Traffic parse: the fast path agrees with pydantic, and a full hour parses quickly."""

from __future__ import annotations

import random
import time
from typing import Any

import orjson

from collector.plugin import Invalid, Record, validate
from sources.traffic.parse import _count, _fast_count, count_fields, parse
from sources.traffic.records import TrafficCount

STATES = ["Fluide", "Pré-saturé", "Saturé", "Bloqué", "Inconnu"]


def hour_rows(hour: str, arcs: int = 2977, seed: int = 7) -> list[dict[str, Any]]:
    """A synthetic but realistic hour: ~3,000 arcs spread over Paris and its edge."""
    rng = random.Random(seed)
    rows = []
    for i in range(arcs):
        k = None if rng.random() < 0.2 else round(rng.uniform(0, 60), 2)
        rows.append({
            "iu_ac": str(1000 + i),
            "libelle": f"Arc_{i}" if i % 50 else f"CF{i:04d}->CF{i + 1:04d}",
            "t_1h": hour,
            "q": None if rng.random() < 0.3 else float(rng.randint(0, 3000)),
            "k": k,
            "etat_trafic": "Inconnu" if k is None else STATES[min(3, int(k // 15))],
            "etat_barre": "Ouvert" if i % 40 else "Barré",
            "iu_nd_amont": str(i), "libelle_nd_amont": f"N{i}",
            "iu_nd_aval": str(i + 1), "libelle_nd_aval": f"N{i + 1}",
            "geo_point_2d": None if i % 97 == 0 else {
                "lon": round(rng.uniform(2.22, 2.47), 6), "lat": round(rng.uniform(48.81, 48.91), 6)
            },
        })
    return rows


def bundle(rows: list[dict[str, Any]]) -> bytes:
    return b'{"counts":' + orjson.dumps(rows) + b',"arcs":null}'


def test_fast_path_matches_pydantic() -> None:
    for row in hour_rows("2025-11-04T19:00:00+00:00", arcs=400):
        fast = _count(dict(row))
        assert isinstance(fast, TrafficCount)
        slow = TrafficCount.model_validate(fast.model_dump())
        assert fast == slow
        assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


def test_unusual_rows_leave_the_fast_path_for_pydantic() -> None:
    row = hour_rows("2025-11-04T19:00:00+00:00", arcs=1)[0]
    changes: list[dict[str, Any]] = [
        {"q": "12"}, {"k": True}, {"k": 100.5}, {"q": -1}, {"iu_ac": None}, {"iu_ac": 5},
        {"t_1h": "2025-11-04T19:00:00"}, {"t_1h": "yesterday"}, {"etat_trafic": "Dense"},
        {"libelle": 12}, {"geo_point_2d": {"lon": "2.35", "lat": "48.85"}},
        {"geo_point_2d": {"lon": 248.8, "lat": 2.3}},
    ]
    for change in changes:
        fields = count_fields({**row, **change})
        assert _fast_count(dict(fields)) is None, change
        got, want = _count({**row, **change}), validate(TrafficCount, fields)
        assert type(got) is type(want), change
        if isinstance(got, Invalid):
            assert isinstance(want, Invalid)
            assert got.reason == want.reason
        else:
            assert got == want
    naive = _count({**row, "t_1h": "2025-11-04T19:00:00"})
    assert isinstance(naive, Invalid)
    assert "timezone" in naive.reason
    assert isinstance(_count({**row, "q": "12"}), TrafficCount)  # lax: "12" -> 12.0
    text_point = _count({**row, "geo_point_2d": {"lon": "2.35", "lat": "48.85"}})
    assert isinstance(text_point, TrafficCount)
    assert text_point.zone == "Paris 5e"


def test_a_full_hour_parses_fast() -> None:
    payload = bundle(hour_rows("2025-11-04T19:00:00+00:00"))
    start = time.perf_counter()
    list(parse(payload))  # cold: ~3,000 point-in-polygon lookups fill the cache
    cold = time.perf_counter() - start
    payload = bundle(hour_rows("2025-11-04T20:00:00+00:00"))
    start = time.perf_counter()
    items = list(parse(payload))
    elapsed = time.perf_counter() - start
    assert sum(isinstance(i, Record) for i in items) == 2977
    print(f"\n2,977 rows parsed in {elapsed * 1000:.0f} ms ({cold * 1000:.0f} ms cold)")
    assert elapsed < 1.0
    assert cold < 3.0
