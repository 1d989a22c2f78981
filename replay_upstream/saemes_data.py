"""``places-disponibles-parkings-saemes``: live free places, one row per (car park, counter).

Counts are a pure function of (seed, car park, counter, 2-minute tick): an occupancy profile
by car park kind and hour, slow waves and tick noise. The real feed's issues are kept: two
car parks are flat lines (one also stopped updating its ``date``), counters sometimes drop
to 0 for a while, and a few SAEMES car parks of the referential are missing from the feed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from replay_upstream import places
from replay_upstream.clock import ReplayClock
from replay_upstream.dataset import Dataset, FieldSpec, Row
from replay_upstream.parking_data import ParkingWorld

TICK_S = 120
PARIS = ZoneInfo("Europe/Paris")
PROFILES = {  # occupancy by local hour
    "office": [0.1] * 7
    + [0.35, 0.7, 0.88, 0.92, 0.9, 0.85, 0.88, 0.9, 0.85, 0.7, 0.45, 0.25]
    + [0.15] * 5,
    "shops": [0.08] * 9
    + [0.3, 0.55, 0.7, 0.8, 0.82, 0.85, 0.88, 0.85, 0.75, 0.6, 0.35]
    + [0.15] * 4,
    "station": [0.3] * 6
    + [0.5, 0.7, 0.8, 0.82, 0.8, 0.78, 0.78, 0.8, 0.82, 0.85, 0.85, 0.8]
    + [0.7, 0.6, 0.5, 0.4, 0.35, 0.3],
    "home": [0.85] * 7
    + [0.75, 0.55, 0.45, 0.42, 0.42, 0.45, 0.45, 0.45, 0.5, 0.6, 0.7]
    + [0.8, 0.85, 0.88, 0.88, 0.88, 0.86],
    "leisure": [0.25] * 10
    + [0.35, 0.5, 0.6, 0.62, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.92]
    + [0.8, 0.6, 0.4],
}
FIELDS = (
    FieldSpec("nom_parking", "text", "Nom du parking"),
    FieldSpec("pmo_number", "text", "Numéro PMO"),
    FieldSpec("facilityid", "text", "Facility ID"),
    FieldSpec("countertype", "text", "Type de compteur"),
    FieldSpec("counterfreeplaces", "int", "Places libres"),
    FieldSpec("date", "datetime", "Date"),
    FieldSpec("type_de_parc", "text", "Type de parc"),
    FieldSpec("geo", "geo_point_2d", "Geo"),
)


def _counters(park: dict[str, Any], rng: random.Random) -> list[tuple[str, int]]:
    cars = park["nb_places"] - park["nb_pmr"] - park["nb_voitures_electriques"]
    counters = [("STANDARD", cars)]
    if park["nb_2_rm"]:
        counters.append(("MOTOR_BIKE", park["nb_2_rm"]))
    if park["nb_voitures_electriques"]:
        counters.append(("ELECTRIC_CAR", park["nb_voitures_electriques"]))
    if rng.random() < 0.6:
        counters.append(("DISABLED", park["nb_pmr"]))
    if rng.random() < 0.06:
        counters.append(("TRUCK", 4))
    return counters


class SaemesLiveDataset(Dataset):
    id = "places-disponibles-parkings-saemes"
    title = "Places disponibles dans les parkings Saemes"
    publisher = "Saemes"
    license = "Licence Ouverte v2.0 (Etalab)"
    fields = FIELDS

    def __init__(self, clock: ReplayClock, world: ParkingWorld, *, seed: int = 0) -> None:
        self.clock, self.seed = clock, seed
        rng = random.Random(f"saemes-live:{seed}")
        parks = [p for p in world.saemes() if rng.random() > 0.15]
        flat = {p["pmo"] for p in rng.sample(parks, 2)}
        self.counters: list[dict[str, Any]] = []
        for park in parks:
            lon, lat = places.offset(
                park["xlong"], park["ylat"], rng.uniform(-50, 50), rng.uniform(-50, 50)
            )
            lag_s, parc = rng.choice((0, 0, 60)), "public" if rng.random() < 0.85 else "mixte"
            for countertype, capacity in _counters(park, rng):
                self.counters.append(
                    {
                        "name": f"Parking {park['nom']}",
                        "pmo": park["pmo"],
                        "type": countertype,
                        "capacity": capacity,
                        "kind": park["kind"],
                        "flat": park["pmo"] in flat,
                        "stale": park["pmo"] == min(flat),
                        "phase": rng.uniform(0, 2 * math.pi),
                        "period": rng.uniform(40, 160),
                        "lag_s": lag_s,
                        "parc": parc,
                        "geo": {"lon": round(lon, 4), "lat": round(lat, 4)},
                        "bias": rng.uniform(-0.1, 0.1),
                    }
                )

    def partitions(self) -> Sequence[Hashable]:
        return [None]

    def data_processed(self) -> datetime:
        return self._tick(self.clock.now(), 0)

    @staticmethod
    def _tick(now: datetime, lag_s: int) -> datetime:
        moment = now - timedelta(seconds=lag_s)
        seconds = int(moment.timestamp()) // TICK_S * TICK_S
        return datetime.fromtimestamp(seconds, tz=now.tzinfo)

    def rows(self, key: Hashable) -> Sequence[Row]:
        now = self.clock.now()
        return [self._row(c, now) for c in self.counters]

    def _row(self, counter: dict[str, Any], now: datetime) -> Row:
        when = self._tick(now, counter["lag_s"])
        tick = int(when.timestamp()) // TICK_S
        if counter["flat"]:
            free = max(1, int(counter["capacity"] * 0.37))
            if counter["stale"]:
                when = self._tick(self.clock.origin, 0) - timedelta(hours=3)
        else:
            local = when.astimezone(PARIS)
            occupancy = PROFILES[counter["kind"]][local.hour] + counter["bias"]
            occupancy *= 0.8 if local.weekday() >= 5 and counter["kind"] == "office" else 1.0
            occupancy += 0.07 * math.sin(tick * 2 * math.pi / counter["period"] + counter["phase"])
            noise = random.Random(f"{self.seed}:{counter['pmo']}:{counter['type']}:{tick}")
            occupancy += noise.gauss(0, 0.015)
            free = round(counter["capacity"] * (1 - min(max(occupancy, 0.0), 1.0)))
            window = random.Random(f"drop:{self.seed}:{counter['pmo']}:{tick // 10}")
            if counter["type"] == "STANDARD" and window.random() < 0.02:
                free = 0
        return {
            "nom_parking": counter["name"],
            "pmo_number": counter["pmo"],
            "facilityid": counter["pmo"],
            "countertype": counter["type"],
            "counterfreeplaces": free,
            "date": when,
            "type_de_parc": counter["parc"],
            "geo": counter["geo"],
        }
