"""Traffic parse: reasons for bad rows, lax values, and a full hour parses quickly."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from collector.plugin import Invalid, Record
from sources.traffic.parse import _count, parse
from sources.traffic.records import TrafficCount

STATES = ["Fluide", "Pré-saturé", "Saturé", "Bloqué", "Inconnu"]


def hour_rows(hour: str, arcs: int = 2977, seed: int = 7) -> list[dict[str, Any]]:
    """A synthetic but realistic hour: ~3,000 arcs spread over Paris and its edge."""
    rng = random.Random(seed)
    rows = []
    for i in range(arcs):
        k = None if rng.random() < 0.2 else round(rng.uniform(0, 60), 2)
        rows.append(
            {
                "iu_ac": str(1000 + i),
                "libelle": f"Arc_{i}" if i % 50 else f"CF{i:04d}->CF{i + 1:04d}",
                "t_1h": hour,
                "q": None if rng.random() < 0.3 else float(rng.randint(0, 3000)),
                "k": k,
                "etat_trafic": "Inconnu" if k is None else STATES[min(3, int(k // 15))],
                "etat_barre": "Ouvert" if i % 40 else "Barré",
                "iu_nd_amont": str(i),
                "libelle_nd_amont": f"N{i}",
                "iu_nd_aval": str(i + 1),
                "libelle_nd_aval": f"N{i + 1}",
                "geo_point_2d": None
                if i % 97 == 0
                else {
                    "lon": round(rng.uniform(2.22, 2.47), 6),
                    "lat": round(rng.uniform(48.81, 48.91), 6),
                },
            }
        )
    return rows


def bundle(rows: list[dict[str, Any]]) -> bytes:
    return b'{"counts":' + orjson.dumps(rows) + b',"arcs":null}'


def test_clean_rows_are_exact() -> None:
    for row in hour_rows("2025-11-04T19:00:00+00:00", arcs=300):
        record = _count(dict(row))
        assert isinstance(record, TrafficCount)
        assert record.flow_q == row["q"]
        assert record.occupancy_k == row["k"]
        assert record.observed_at == datetime(2025, 11, 4, 19, tzinfo=UTC)
        if row["geo_point_2d"] is None:
            assert (record.zone, record.arrondissement) == ("unknown", None)
        elif record.arrondissement is None:
            assert record.zone == "outside Paris"
        else:
            assert record.zone.startswith(f"Paris {record.arrondissement}e")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        # k above 100 and a negative q are stored flagged (k_range, q_range): tests/quality
        ({"iu_ac": None}, "entity_id: Input should be a valid string"),
        ({"iu_ac": 5}, "entity_id: Input should be a valid string"),
        ({"t_1h": "2025-11-04T19:00:00"}, "observed_at: Input should have timezone info"),
        ({"t_1h": "yesterday"}, "observed_at: Input should be a valid datetime"),
        ({"etat_trafic": "Dense"}, "traffic_state: Input should be 'Fluide'"),
        ({"libelle": 12}, "label: Input should be a valid string"),
        ({"geo_point_2d": {"lon": 248.8, "lat": 2.3}}, "lon: Input should be less than"),
    ],
)
def test_bad_rows_are_set_aside_with_their_reason(change: dict[str, Any], reason: str) -> None:
    row = hour_rows("2025-11-04T19:00:00+00:00", arcs=1)[0]
    got = _count({**row, **change})
    assert isinstance(got, Invalid)
    assert got.reason.startswith(reason)


def test_lax_values_are_accepted() -> None:
    row = hour_rows("2025-11-04T19:00:00+00:00", arcs=1)[0]
    numeric_text = _count({**row, "q": "12", "k": None, "etat_trafic": None})
    assert isinstance(numeric_text, TrafficCount)
    assert numeric_text.flow_q == 12.0
    assert numeric_text.traffic_state == "Inconnu"
    text_point = _count({**row, "geo_point_2d": {"lon": "2.35", "lat": "48.85"}})
    assert isinstance(text_point, TrafficCount)
    assert text_point.zone == "Paris 5e"
    assert text_point.lon == 2.35
    derived = _count({**row, "k": 33.0, "etat_trafic": None})
    assert isinstance(derived, TrafficCount)
    assert derived.traffic_state == "Saturé"


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
    assert cold < 5.0
