"""Departures of the Paris termini: a seeded timetable per (station, day) plus realtime delays.

Delays are announced from two hours before the scheduled departure, so a departure board
changes as the replay clock moves. Times are aware datetimes in Europe/Paris.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from replay_upstream.seed_stations import SERVICES, STATIONS, Destination

PARIS = ZoneInfo("Europe/Paris")
ANNOUNCE = timedelta(hours=2)
HOUR_WEIGHTS = (
    0.2,
    0,
    0,
    0,
    0,
    0.6,
    1.4,
    2.2,
    2.4,
    1.8,
    1.2,
    1.1,
    1.1,
    1.1,
    1.1,
    1.2,
    1.6,
    2.2,
    2.4,
    2.0,
    1.4,
    1.0,
    0.7,
    0.4,
)
# network -> (commercial mode id, physical mode id, physical mode name, company)
MODES: dict[str, tuple[str, str, str, str]] = {
    "TGV INOUI": (
        "commercial_mode:OUI",
        "LongDistanceTrain",
        "Train grande vitesse",
        "SNCF Voyageurs",
    ),
    "OUIGO": (
        "commercial_mode:TGVOUIGO",
        "LongDistanceTrain",
        "Train grande vitesse",
        "SNCF Voyageurs",
    ),
    "TGV Lyria": ("commercial_mode:LYRIA", "LongDistanceTrain", "Train grande vitesse", "Lyria"),
    "Eurostar": (
        "commercial_mode:EUROSTAR",
        "LongDistanceTrain",
        "Train grande vitesse",
        "Eurostar",
    ),
    "ICE": ("commercial_mode:ICE", "LongDistanceTrain", "Train grande vitesse", "DB Fernverkehr"),
    "Intercités": ("commercial_mode:IC", "Train", "TER / Intercités", "SNCF Voyageurs"),
    "Transilien": (
        "commercial_mode:TRANSILIEN",
        "LocalTrain",
        "Train Transilien",
        "SNCF Voyageurs",
    ),
    "RER": ("commercial_mode:RapidTransit", "RapidTransit", "RER", "SNCF Voyageurs"),
}
TER = ("commercial_mode:TER", "Train", "TER / Intercités", "SNCF Voyageurs")


def modes(network: str) -> tuple[str, str, str, str]:
    return MODES.get(network, TER)


@dataclass(frozen=True)
class Departure:
    station: str
    service_date: date
    number: str
    network: str
    code: str
    destination: Destination
    base: datetime
    delay_min: int
    realtime_info: bool  # the train reports realtime data at all

    @property
    def vehicle_journey(self) -> str:
        physical = modes(self.network)[1]
        return f"vehicle_journey:SNCF:{self.service_date.isoformat()}:{self.number}:1187:{physical}"

    def delay(self, now: datetime) -> int:
        """Minutes of delay known at ``now`` (announced two hours before departure)."""
        return self.delay_min if now >= self.base - ANNOUNCE else 0

    def shown(self, now: datetime, realtime: bool) -> datetime:
        return self.base + timedelta(minutes=self.delay(now) if realtime else 0)


def _delay(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.82:
        return 0
    if draw < 0.95:
        return rng.randint(2, 15)
    return rng.randint(16, 45) if draw < 0.99 else rng.randint(46, 120)


class Timetable:
    def __init__(self, seed: int = 0, cache_days: int = 32) -> None:
        self.seed = seed
        self._cache: OrderedDict[tuple[str, date], list[Departure]] = OrderedDict()
        self._cache_days = cache_days

    def day(self, station: str, service_date: date) -> list[Departure]:
        key = (station, service_date)
        if key not in self._cache:
            self._cache[key] = self._generate(station, service_date)
            if len(self._cache) > self._cache_days:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return self._cache[key]

    def _generate(self, station: str, service_date: date) -> list[Departure]:
        rng = random.Random(f"departures:{self.seed}:{station}:{service_date.isoformat()}")
        count = STATIONS[station][3]
        count = int(count * (0.8 if service_date.weekday() >= 5 else 1.0))
        services = SERVICES[station]
        midnight = datetime.combine(service_date, time(0), tzinfo=PARIS)
        used: set[int] = set()
        trains: list[Departure] = []
        for _ in range(count):
            network, code, _share, low, high, destinations = rng.choices(
                services, [s[2] for s in services]
            )[0]
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            hour = 24 if hour == 0 else hour  # after-midnight trains belong to the day before
            minute = rng.randrange(0, 60)
            number = rng.randint(low, high)
            while number in used:
                number = rng.randint(low, high)
            used.add(number)
            base = (midnight + timedelta(hours=hour, minutes=minute)).astimezone(PARIS)
            trains.append(
                Departure(
                    station=station,
                    service_date=service_date,
                    number=str(number),
                    network=network,
                    code=code,
                    destination=rng.choice(destinations),
                    base=base,
                    delay_min=_delay(rng),
                    realtime_info=rng.random() < 0.93,
                )
            )
        trains.sort(key=lambda d: (d.base, d.number))
        return trains

    def window(
        self, station: str, start: datetime, end: datetime, now: datetime, realtime: bool
    ) -> list[tuple[Departure, datetime]]:
        """Departures shown between ``start`` and ``end`` (inclusive), in shown order."""
        first = (start - timedelta(hours=4)).astimezone(PARIS).date() - timedelta(days=1)
        out: list[tuple[Departure, datetime]] = []
        day = first
        while day <= end.astimezone(PARIS).date():
            for dep in self.day(station, day):
                shown = dep.shown(now, realtime)
                if start <= shown <= end:
                    out.append((dep, shown))
            day += timedelta(days=1)
        out.sort(key=lambda item: (item[1], item[0].number))
        return out
