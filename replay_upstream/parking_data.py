"""``stationnement-en-ouvrage`` (Ville de Paris) and ``referentiel-parkings-saemes`` (SAEMES).

One seeded "world" of ~130 car parks; the SAEMES ones appear in both portals under slightly
different names (and, in the live feed, at slightly different coordinates).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any

from replay_upstream import places
from replay_upstream.clock import ReplayClock
from replay_upstream.dataset import Dataset, FieldSpec, Row
from replay_upstream.seed_parkings import CAR_PARKS, STREETS_FULL

_F = FieldSpec
STATIONNEMENT_FIELDS = tuple(
    [
        _F("id", "text", "Identifiant"),
        _F("nom", "text", "Nom"),
        _F("adresse", "text", "Adresse"),
        _F("arrdt", "int", "Arrondissement"),
        _F("insee", "int", "Code INSEE"),
        _F("deleg", "text", "Délégataire"),
        _F("type_usagers", "text", "Type d'usagers"),
        _F("type_ouvrage", "text", "Type d'ouvrage"),
        _F("horaire_na", "text", "Horaires"),
    ]
    + [
        _F(n, "int", n)
        for n in (
            "nb_places",
            "nb_pmr",
            "nb_2_rm",
            "nb_velo",
            "nb_voitures_electriques",
            "hauteur_max",
        )
    ]
    + [_F("gratuit", "text", "Gratuit")]
    + [
        _F(n, "double", n)
        for n in (
            "tarif_1h",
            "tarif_2h",
            "tarif_3h",
            "tarif_4h",
            "tarif_24h",
            "tf_15mn_e",
            "tf_30mn_e",
            "abo_resident",
            "abo_non_resident",
        )
    ]
    + [
        _F("parc_relai", "text", "Parc relais"),
        _F("mis_a_jour", "date", "Mise à jour"),
        _F("xlong", "double", "Longitude"),
        _F("ylat", "double", "Latitude"),
        _F("geo_point_2d", "geo_point_2d", "geo_point_2d"),
    ]
)
PRICE_STEPS = (
    ("0h15", "15_min", 0.25),
    ("1h00", "1_hr", 1),
    ("2h00", "2_hr", 2),
    ("3h00", "3_hr", 3),
    ("4h00", "4_hr", 4),
    ("24h00", "24_hr", 24),
)
REFERENTIEL_FIELDS = (
    _F("code_parking", "text", "Code parking"),
    _F("nom_parking", "text", "Nom du parking"),
    _F("adresse", "text", "Adresse"),
    _F("code_postal", "text", "Code postal"),
    _F("nombre_de_places", "int", "Nombre de places"),
    *(_F(f"horaire_vl_{a}_{b}", "text", f"Tarif VL {a}") for a, b, _ in PRICE_STEPS),
)


def _ascii_upper(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def _day(rng: random.Random, first: int, last: int) -> str:
    return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def euros(value: float) -> str:
    return f"{value:.2f} €".replace(".", ",")


class ParkingWorld:
    """The car parks, generated once from the seed."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"car-parks:{seed}")
        self.car_parks: list[dict[str, Any]] = []
        ids = rng.sample(range(1000, 9999), len(CAR_PARKS))
        for (name, arrdt, deleg, pmo), ident in zip(CAR_PARKS, ids, strict=True):
            lon, lat = places.in_arrondissement(rng, arrdt)
            places_total = rng.choice((150, 220, 300, 380, 450, 520, 650, 800, 1100))
            places_total += rng.randint(-40, 40)
            hourly = round(rng.uniform(2.6, 6.4) * 10) / 10
            cheap = deleg in ("SAEMES", "EFFIA", "ONEPARK")
            priced = rng.random() > 0.06
            self.car_parks.append(
                {
                    "id": str(ident),
                    "nom": name,
                    "adresse": f"{rng.randint(1, 180)} {rng.choice(STREETS_FULL)}",
                    "arrdt": arrdt,
                    "insee": 75100 + arrdt,
                    "deleg": deleg,
                    "type_usagers": rng.choice(("tous", "tous", "tous", "abonnés")),
                    "type_ouvrage": rng.choice(
                        ("ouvrage", "ouvrage", "ouvrage", "enclos_en_surface")
                    ),
                    "horaire_na": "24h / 24" if rng.random() < 0.8 else "7h - 23h",
                    "nb_places": places_total,
                    "nb_pmr": max(2, places_total // 50),
                    "nb_2_rm": rng.choice((0, 12, 20, 30, 45, 60)),
                    "nb_velo": rng.choice((0, 0, 10, 24)),
                    "nb_voitures_electriques": rng.choice((0, 4, 8, 12, 20, 30)),
                    "hauteur_max": rng.choice((180, 190, 190, 200, 210, None)),
                    "gratuit": "NON",
                    "tarif_1h": hourly - (0.6 if cheap else 0) if priced else None,
                    "tarif_24h": round(hourly * rng.uniform(7, 10)) if priced else None,
                    "abo_resident": float(rng.choice((75, 90, 105, 120)))
                    if rng.random() < 0.7
                    else None,
                    "abo_non_resident": float(rng.choice((160, 190, 220, 260))),
                    "parc_relai": "OUI"
                    if arrdt in (12, 13, 17, 19, 20) and rng.random() < 0.2
                    else "NON",
                    "mis_a_jour": _day(rng, 2019, 2025),
                    "xlong": lon,
                    "ylat": lat,
                    "geo_point_2d": {"lon": lon, "lat": lat},
                    "pmo": pmo,
                    "kind": rng.choice(("office", "shops", "station", "home", "leisure")),
                }
            )
            park = self.car_parks[-1]
            first = park["tarif_1h"]
            for hours, key in ((2, "tarif_2h"), (3, "tarif_3h"), (4, "tarif_4h")):
                park[key] = round(first * hours * 0.93 ** (hours - 1), 1) if first else None
            park["tf_15mn_e"] = round(first / 4, 2) if first else None
            park["tf_30mn_e"] = round(first / 2, 2) if first and rng.random() < 0.8 else None
            if first:
                park["tarif_1h"] = round(first, 1)
                park["tarif_24h"] = float(park["tarif_24h"])

    def saemes(self) -> list[dict[str, Any]]:
        return [p for p in self.car_parks if p["pmo"]]


class StationnementDataset(Dataset):
    id = "stationnement-en-ouvrage"
    title = "Stationnement en ouvrage"
    publisher = "Direction de la Voirie et des Déplacements - Ville de Paris"
    fields = STATIONNEMENT_FIELDS

    def __init__(self, clock: ReplayClock, world: ParkingWorld) -> None:
        self.clock = clock
        names = [f.name for f in self.fields]
        self._rows: list[Row] = [{n: p[n] for n in names} for p in world.car_parks]

    def partitions(self) -> Sequence[Hashable]:
        return [None]

    def rows(self, key: Hashable) -> Sequence[Row]:
        return self._rows

    def data_processed(self) -> datetime:
        origin = self.clock.origin.replace(hour=3, minute=12, second=0, microsecond=0)
        return origin - timedelta(days=9)


class SaemesReferentielDataset(Dataset):
    id = "referentiel-parkings-saemes"
    title = "Référentiel des parkings Saemes"
    publisher = "Saemes"
    license = "Licence Ouverte v2.0 (Etalab)"
    fields = REFERENTIEL_FIELDS

    def __init__(self, clock: ReplayClock, world: ParkingWorld) -> None:
        self.clock = clock
        self._rows: list[Row] = []
        for park in world.saemes():
            name = park["nom"] if park["arrdt"] % 2 else _ascii_upper(park["nom"])
            row: dict[str, Any] = {
                "code_parking": park["pmo"],
                "nom_parking": f"Saemes {name}",
                "adresse": park["adresse"],
                "code_postal": f"750{park['arrdt']:02d}",
                "nombre_de_places": park["nb_places"],
            }
            for a, b, hours in PRICE_STEPS:
                price = park["tarif_1h"] and (
                    park["tf_15mn_e"]
                    if hours < 1
                    else park["tarif_24h"]
                    if hours == 24
                    else park.get(f"tarif_{hours}h")
                )
                row[f"horaire_vl_{a}_{b}"] = euros(price) if price else None
            self._rows.append(row)

    def partitions(self) -> Sequence[Hashable]:
        return [None]

    def rows(self, key: Hashable) -> Sequence[Row]:
        return self._rows

    def data_processed(self) -> datetime:
        return self.clock.origin.replace(hour=5, minute=2, second=0, microsecond=0) - timedelta(
            days=2
        )
