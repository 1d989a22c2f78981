"""Everything the replay serves, built once from the seed: clock, datasets, timetable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from replay_upstream.clock import ReplayClock
from replay_upstream.dataset import Dataset
from replay_upstream.departures_data import Timetable
from replay_upstream.faults import FaultBook, RequestLog
from replay_upstream.parking_data import (
    ParkingWorld,
    SaemesReferentielDataset,
    StationnementDataset,
)
from replay_upstream.saemes_data import SaemesLiveDataset
from replay_upstream.traffic_data import TrafficDataset


@dataclass
class Options:
    seed: int = 0
    start: datetime | None = None  # None: real time
    accelerate: float = 1.0
    tokens: frozenset[str] | None = None  # None: any non-empty Navitia token
    history_hours: int = 48
    traffic_lag_hours: int = 0
    traffic_late_share: float = 0.0  # late corrections, see TrafficDataset; 0: none
    traffic_late_hours: int = 24


@dataclass
class World:
    options: Options
    clock: ReplayClock
    datasets: dict[str, Dataset]
    timetable: Timetable
    faults: FaultBook = field(default_factory=FaultBook)
    log: RequestLog = field(default_factory=RequestLog)
    tokens: frozenset[str] | None = None

    @classmethod
    def build(cls, options: Options) -> World:
        clock = ReplayClock(options.start, accelerate=options.accelerate)
        parks = ParkingWorld(options.seed)
        traffic = TrafficDataset(
            clock,
            seed=options.seed,
            history_hours=options.history_hours,
            lag_hours=options.traffic_lag_hours,
            late_share=options.traffic_late_share,
            late_hours=options.traffic_late_hours,
        )
        datasets: list[Dataset] = [
            traffic,
            StationnementDataset(clock, parks),
            SaemesLiveDataset(clock, parks, seed=options.seed),
            SaemesReferentielDataset(clock, parks),
        ]
        return cls(
            options,
            clock,
            {d.id: d for d in datasets},
            Timetable(options.seed),
            tokens=options.tokens,
        )

    @property
    def traffic(self) -> TrafficDataset:
        dataset = self.datasets[TrafficDataset.id]
        assert isinstance(dataset, TrafficDataset)
        return dataset

    def reset(self) -> None:
        """Back to the start: no faults, empty log, clock and tokens as configured."""
        self.faults.clear()
        self.log.clear()
        self.clock.set(self.options.start or datetime.now(UTC))
        self.clock.set_accelerate(self.options.accelerate)
        self.tokens = self.options.tokens
        self.traffic.set_corrections(
            self.options.traffic_late_share, self.options.traffic_late_hours
        )
        for hour in list(self.traffic.silenced):
            self.traffic.silence(hour, 0.0)


WORLD = web.AppKey("world", World)
