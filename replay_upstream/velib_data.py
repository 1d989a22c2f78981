"""Vélib' Métropole stations and their counts, a pure function of (seed, station, minute).

~1,400 stations: ~1,000 inside Paris (area-weighted), the rest in a belt up to 5 km outside
the city limits (the ~55 communes around Paris). Each station has a profile: *home*
stations fill up at night and empty in the morning, *work* stations the other way round,
*mixed* ones wander around half full. The real feeds' quirks are kept now and then: a few
stations not installed, one station of the status feed missing from the information feed,
a few stations whose report is hours old, a negative count or a ``last_reported`` of 0 on
some minutes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from replay_upstream import places

PARIS = ZoneInfo("Europe/Paris")
IN_PARIS, OUTSIDE = 1_000, 410
TICK_S = 60  # station_status is rebuilt every minute, as the real one
LAGGARD_HOURS = 3  # the report age of the stations that lag
PROFILES = ("home", "work", "mixed")


@dataclass(frozen=True)
class Station:
    station_id: int
    code: str
    name: str
    lon: float
    lat: float
    capacity: int
    profile: str
    ebike_share: float
    installed: bool = True
    laggard: bool = False
    unlisted: bool = False  # in station_status, not in station_information


@cache
def stations(seed: int) -> tuple[Station, ...]:
    rng = random.Random(f"velib:{seed}")
    numbers: dict[int, int] = {}
    out: list[Station] = []
    used: set[int] = set()
    for index in range(IN_PARIS + OUTSIDE):
        if index < IN_PARIS:
            lon, lat, arrondissement = places.in_paris(rng)
            numbers[arrondissement] = numbers.get(arrondissement, 0) + 1
            code = f"{arrondissement}{numbers[arrondissement] + 100:03d}"
        else:
            lon, lat = places.outside_paris(rng, min_m=150.0, max_m=5_000.0)
            code = str(21_000 + index - IN_PARIS)
        station_id = rng.randrange(10_000_000, 2_000_000_000)
        while station_id in used:
            station_id = rng.randrange(10_000_000, 2_000_000_000)
        used.add(station_id)
        out.append(
            Station(
                station_id=station_id,
                code=code,
                name=f"{_street(rng)} - {_street(rng)}",
                lon=round(lon, 6),
                lat=round(lat, 6),
                capacity=rng.choice((12, 16, 20, 22, 25, 28, 30, 35, 40, 46, 52, 60)),
                profile=rng.choice(PROFILES),
                ebike_share=rng.uniform(0.15, 0.5),
                installed=rng.random() > 0.012,
                laggard=rng.random() < 0.01,
                unlisted=index == IN_PARIS // 2,
            )
        )
    return tuple(out)


STREETS = (
    "Rivoli", "Saint-Antoine", "Voltaire", "République", "Faidherbe", "Vaugirard", "Convention",
    "Lecourbe", "Saint-Michel", "Gobelins", "Tolbiac", "Alésia", "Montparnasse", "Raspail",
    "Saint-Germain", "Bastille", "Nation", "Charonne", "Ménilmontant", "Belleville", "Jaurès",
    "Stalingrad", "Barbès", "Clignancourt", "Batignolles", "Wagram", "Ternes", "Victor Hugo",
    "Passy", "Auteuil", "Mairie", "Gare", "Marché", "Église", "Parc", "Place de la Liberté",
)  # fmt: skip


def _street(rng: random.Random) -> str:
    return rng.choice(STREETS)


def information(seed: int, now: datetime) -> dict[str, Any]:
    rows = []
    for s in stations(seed):
        if s.unlisted:
            continue
        row: dict[str, Any] = {
            "station_id": s.station_id,
            "stationCode": s.code,
            "name": s.name,
            "lat": s.lat,
            "lon": s.lon,
            "capacity": s.capacity,
        }
        if s.station_id % 3 == 0:
            row["rental_methods"] = ["CREDITCARD"]
        rows.append(row)
    return {"lastUpdatedOther": int(now.timestamp()), "ttl": 3600, "data": {"stations": rows}}


def status(seed: int, now: datetime) -> dict[str, Any]:
    epoch = int(now.timestamp())
    tick = epoch // TICK_S
    hour = now.astimezone(PARIS).hour + now.astimezone(PARIS).minute / 60
    rows = [_status(seed, s, tick, hour, epoch) for s in stations(seed)]
    return {"lastUpdatedOther": epoch, "ttl": TICK_S, "data": {"stations": rows}}


def _fill(profile: str, hour: float, wave: float) -> float:
    swing = math.cos(2 * math.pi * (hour - 4) / 24)  # +1 at 04:00, -1 at 16:00
    base = {"home": 0.5 + 0.35 * swing, "work": 0.5 - 0.35 * swing}.get(profile, 0.5)
    return min(1.0, max(0.0, base + wave))


def _status(seed: int, s: Station, tick: int, hour: float, epoch: int) -> dict[str, Any]:
    # A laggard's report (counts and time) changes only every LAGGARD_HOURS hours.
    frozen = s.laggard and s.installed
    step = tick // (LAGGARD_HOURS * 3600 // TICK_S) if frozen else tick
    rng = random.Random(f"velib:{seed}:{s.station_id}:{step}")
    broken = rng.choice((0, 0, 0, 1, 2))
    usable = s.capacity - broken
    wave = 0.2 * math.sin(tick / 47 + s.station_id % 97) + rng.uniform(-0.08, 0.08)
    bikes = round(usable * _fill(s.profile, hour, wave)) if s.installed else 0
    ebikes = round(bikes * s.ebike_share)
    docks = usable - bikes if s.installed else 0
    if frozen:
        reported = epoch - LAGGARD_HOURS * 3600 - rng.randrange(600)
    else:
        reported = epoch - rng.randrange(5, 55)
    quirk = rng.random()
    if quirk < 0.002:
        docks = -1  # a negative count, as the real feed shows now and then
    elif quirk < 0.003:
        reported = 0  # a station clock reset to 1970
    installed = 1 if s.installed else 0
    return {
        "stationCode": s.code,
        "station_id": s.station_id,
        "num_bikes_available": bikes,
        "numBikesAvailable": bikes,
        "num_bikes_available_types": [{"mechanical": bikes - ebikes}, {"ebike": ebikes}],
        "num_docks_available": docks,
        "numDocksAvailable": docks,
        "is_installed": installed,
        "is_returning": installed,
        "is_renting": installed,
        "last_reported": reported,
    }
