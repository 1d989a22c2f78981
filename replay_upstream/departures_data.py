"""Departures of the Paris termini: a seeded timetable per (station, day) plus realtime delays.

The day's trains follow ``HOUR_WEIGHTS``; between 01:00 and 05:00, where those weights are
zero, a sparse night service (last and first suburban trains, a night Intercités) keeps
every terminus but Bercy with a train in most 60-minute windows: a board of the next hour
is rarely empty, at 03:00 as at 18:00, only much shorter.

Delays are announced from two hours before the scheduled departure, so a departure board
changes as the replay clock moves. So are the day's disruptions, drawn by a generator of their
own (the timetable of a seed stays the same with or without them): about ``CANCELLED_SHARE``
of the scheduled trains are cancelled (Navitia's ``NO_SERVICE``: gone from the realtime board,
still in the base schedule, linked to their disruption) and a few trains are added, in
realtime only (``ADDITIONAL_SERVICE``). Times are aware datetimes in Europe/Paris.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from replay_upstream.seed_stations import (
    NIGHT_SERVICES,
    SERVICES,
    STATIONS,
    Destination,
    Service,
)

PARIS = ZoneInfo("Europe/Paris")
ANNOUNCE = timedelta(hours=2)
CANCELLED_SHARE = 0.03
ADDED_PER_DAY = 0.01  # added trains, as a share of the day's scheduled ones (at least one)
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
    cancelled: bool = False  # NO_SERVICE once announced
    added: bool = False  # not in the base schedule: realtime only, once announced

    @property
    def vehicle_journey(self) -> str:
        physical = modes(self.network)[1]
        return f"vehicle_journey:SNCF:{self.service_date.isoformat()}:{self.number}:1187:{physical}"

    def delay(self, now: datetime) -> int:
        """Minutes of delay known at ``now`` (announced two hours before departure)."""
        return self.delay_min if now >= self.base - ANNOUNCE else 0

    def announced(self, now: datetime) -> bool:
        """Whether the train's disruption (delay, cancellation, addition) is known at ``now``."""
        return now >= self.base - ANNOUNCE

    def visible(self, now: datetime, realtime: bool) -> bool:
        """On the board asked for: Navitia's realtime board omits a cancelled trip and shows
        an added one; the base schedule shows the cancelled one and not the added one."""
        if self.added:
            return realtime and self.announced(now)
        return not (realtime and self.cancelled and self.announced(now))

    def shown(self, now: datetime, realtime: bool) -> datetime:
        return self.base + timedelta(minutes=self.delay(now) if realtime else 0)


def _delay(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.82:
        return 0
    if draw < 0.95:
        return rng.randint(2, 15)
    return rng.randint(16, 45) if draw < 0.99 else rng.randint(46, 120)


def _night_times(rng: random.Random) -> list[timedelta]:
    """Offsets from the service day's midnight of its night trains.

    After midnight (01:00-04:00 of the next morning, hours 25-27 of the service day, as
    for the after-midnight trains of the day) a train every 30-45 minutes; from 04:00 the
    first trains of the day, every 15-35 minutes until 05:00, when the day's timetable takes
    over. No gap exceeds an hour, so a 60-minute board is rarely empty.
    """
    out: list[timedelta] = []
    minute = 25 * 60 + rng.uniform(0, 20)
    while minute < 28 * 60:
        out.append(timedelta(minutes=int(minute)))
        minute += rng.uniform(30, 45)
    minute = 4 * 60 + rng.uniform(0, 15)
    while minute < 5 * 60:
        out.append(timedelta(minutes=int(minute)))
        minute += rng.uniform(15, 35)
    return out


def _train(
    rng: random.Random,
    station: str,
    service_date: date,
    service: Service,
    base: datetime,
    used: set[int],
) -> Departure:
    """One departure of ``service`` at ``base``, with a train number unused that day."""
    network, code, _share, low, high, destinations = service
    number = rng.randint(low, high)
    while number in used:
        number = rng.randint(low, high)
    used.add(number)
    return Departure(
        station=station,
        service_date=service_date,
        number=str(number),
        network=network,
        code=code,
        destination=rng.choice(destinations),
        base=base.astimezone(PARIS),
        delay_min=_delay(rng),
        realtime_info=rng.random() < 0.93,
    )


def _disrupt(trains: list[Departure], seed: str) -> list[Departure]:
    """The day's trains with their cancellations, plus the added trains (realtime only)."""
    rng = random.Random(seed)
    out = [replace(d, cancelled=True) if rng.random() < CANCELLED_SHARE else d for d in trains]
    used = {int(d.number) for d in trains}
    for _ in range(max(1, round(len(trains) * ADDED_PER_DAY)) if trains else 0):
        # A relief train: a copy of a scheduled one a few minutes later, under a new number.
        model = rng.choice(trains)
        number = int(model.number) + 50_000
        while number in used:
            number += 1
        used.add(number)
        base = model.base + timedelta(minutes=rng.randint(3, 20))
        extra = replace(model, number=str(number), base=base, delay_min=0, added=True)
        out.append(replace(extra, realtime_info=True))
    out.sort(key=lambda d: (d.base, d.number))
    return out


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
            service = rng.choices(services, [s[2] for s in services])[0]
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            hour = 24 if hour == 0 else hour  # after-midnight trains belong to the day before
            offset = timedelta(hours=hour, minutes=rng.randrange(0, 60))
            trains.append(_train(rng, station, service_date, service, midnight + offset, used))
        # Its own generator, so that the day's trains stay those of the seed without it.
        night = random.Random(f"night:{self.seed}:{station}:{service_date.isoformat()}")
        services = NIGHT_SERVICES.get(station, ())
        for offset in _night_times(night) if services else []:
            service = night.choices(services, [s[2] for s in services])[0]
            trains.append(_train(night, station, service_date, service, midnight + offset, used))
        trains.sort(key=lambda d: (d.base, d.number))
        return _disrupt(trains, f"disruptions:{self.seed}:{station}:{service_date.isoformat()}")

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
                if start <= shown <= end and dep.visible(now, realtime):
                    out.append((dep, shown))
            day += timedelta(days=1)
        out.sort(key=lambda item: (item[1], item[0].number))
        return out
