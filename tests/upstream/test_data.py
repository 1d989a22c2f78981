"""The bundled data keeps the real distributions and quirks."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from collector.geo import arrondissement_of

from .helpers import ODS, TRAFFIC, Fetch, Replay

LAST = "2025-11-04T22:00:00"
STATES = {"Fluide": (0, 15), "Pré-saturé": (15, 30), "Saturé": (30, 50), "Bloqué": (50, 101)}


def _hour(fetch: Fetch, when: str = LAST) -> list[dict[str, Any]]:
    answer = fetch(f"{TRAFFIC}/exports/json", where=f"t_1h = date'{when}'")
    rows: list[dict[str, Any]] = answer.json()
    return rows


def test_phantom_row(fetch: Fetch) -> None:
    body = fetch(f"{TRAFFIC}/records", where="iu_ac = '*'").json()
    assert body["total_count"] == 1
    phantom = body["results"][0]
    assert phantom["iu_ac"] == "*"
    assert all(value is None for key, value in phantom.items() if key != "iu_ac")
    # It has no t_1h, so an hourly query never returns it.
    assert all(row["iu_ac"] != "*" for row in _hour(fetch))


def test_traffic_hour_distributions(fetch: Fetch) -> None:
    rows = _hour(fetch)
    assert len(rows) == len({r["iu_ac"] for r in rows}) == 2977
    assert sum(r["geo_shape"] is None for r in rows) == 31
    assert sum(r["geo_point_2d"] is None for r in rows) == 31
    q_null = sum(r["q"] is None for r in rows) / len(rows)
    k_null = sum(r["k"] is None for r in rows) / len(rows)
    assert 0.25 < q_null < 0.5
    assert 0.04 < k_null < 0.2
    barre = Counter(r["etat_barre"] for r in rows)
    assert set(barre) == {"Ouvert", "Barré", "Invalide"}
    assert barre["Ouvert"] > 0.9 * len(rows)
    assert sum(1 for r in rows if "->" in r["libelle"] and r["libelle"].startswith("CF")) > 20
    for row in rows:
        if row["k"] is None:
            assert row["etat_trafic"] == "Inconnu"
        else:
            low, high = STATES[row["etat_trafic"]]
            assert low <= row["k"] < high
        assert row["q"] is None or isinstance(row["q"], float)


def test_geometry_covers_every_arrondissement(fetch: Fetch) -> None:
    rows = [r for r in _hour(fetch) if r["geo_shape"] is not None]
    shape = rows[0]["geo_shape"]
    assert shape["type"] == "Feature"
    assert shape["geometry"]["type"] == "LineString"
    assert len(shape["geometry"]["coordinates"]) >= 2
    zones = Counter(
        arrondissement_of(r["geo_point_2d"]["lon"], r["geo_point_2d"]["lat"]) for r in rows
    )
    assert len(zones) == 20 and "outside Paris" not in zones  # all inside the city (issue 15)
    assert min(zones.values()) >= 15  # the small central ones too


def test_rush_hour_is_busier_than_the_night(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.set_clock("2025-11-05T10:30:00Z")  # a Wednesday

    def mean_k(hour: str) -> float:
        values = [float(r["k"]) for r in _hour(fetch, hour) if r["k"] is not None]
        return sum(values) / len(values)

    night, rush = mean_k("2025-11-05T04:00:00"), mean_k("2025-11-05T09:00:00")
    assert rush > 1.5 * night
    busy = Counter(r["etat_trafic"] for r in _hour(fetch, "2025-11-05T09:00:00"))
    assert busy["Pré-saturé"] + busy["Saturé"] + busy["Bloqué"] > 300


def _distance_m(a: dict[str, float], b: dict[str, float]) -> float:
    dx = (a["lon"] - b["lon"]) * 73_300
    dy = (a["lat"] - b["lat"]) * 111_320
    return math.hypot(dx, dy)


def test_car_parks_and_the_saemes_join(fetch: Fetch) -> None:
    parks = fetch(f"{ODS}/stationnement-en-ouvrage/exports/json").json()
    assert 120 <= len(parks) <= 140
    assert {"SAEMES", "INDIGO"} <= {p["deleg"] for p in parks}
    assert any(p["tarif_1h"] is None for p in parks)
    assert all(1 <= p["arrdt"] <= 20 for p in parks)
    for park in parks:
        assert arrondissement_of(park["xlong"], park["ylat"]) is not None
    saemes = {p["nom"]: p for p in parks if p["deleg"] == "SAEMES"}
    live = fetch(f"{ODS}/places-disponibles-parkings-saemes/exports/json").json()
    counters = Counter(row["countertype"] for row in live)
    assert {"STANDARD", "MOTOR_BIKE", "ELECTRIC_CAR", "DISABLED"} <= set(counters)
    names = {row["nom_parking"] for row in live}
    assert 20 <= len(names) <= 60
    for row in live:
        park = saemes[row["nom_parking"].removeprefix("Parking ")]  # slightly different names
        assert _distance_m(row["geo"], park["geo_point_2d"]) < 150
        assert row["pmo_number"] == row["facilityid"]
    referential = fetch(f"{ODS}/referentiel-parkings-saemes/exports/json").json()
    codes = {r["code_parking"] for r in referential}
    assert {row["pmo_number"] for row in live} <= codes
    priced = [r for r in referential if r["horaire_vl_1h00_1_hr"]]
    assert priced and all(r["horaire_vl_1h00_1_hr"].endswith(" €") for r in priced)
    assert "," in priced[0]["horaire_vl_1h00_1_hr"]


def test_live_free_places_move_tick_to_tick(replay_upstream: Replay, fetch: Fetch) -> None:
    path = f"{ODS}/places-disponibles-parkings-saemes/exports/json"
    ticks = []
    for _ in range(30):
        ticks.append({(r["pmo_number"], r["countertype"]): r for r in fetch(path).json()})
        replay_upstream.advance(seconds=120)
    keys = list(ticks[0])
    series = {k: [t[k]["counterfreeplaces"] for t in ticks] for k in keys}
    standard = {k: v for k, v in series.items() if k[1] == "STANDARD"}
    flat = [k for k, v in standard.items() if len(set(v)) == 1]
    assert 1 <= len(flat) <= 4  # flat lines
    moving = [k for k, v in standard.items() if len(set(v)) > 5]
    assert len(moving) > 0.7 * len(standard)
    assert any(0 in v for k, v in standard.items() if k not in flat)  # sudden drops to 0
    dates = {t[keys[0]]["date"] for t in ticks}
    assert len(dates) == 30  # the count time moves every couple of minutes
