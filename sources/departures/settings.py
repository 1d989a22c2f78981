"""Settings of the departures source (``[sources.departures]``, ``PARIS_SOURCES__DEPARTURES__*``).

The free SNCF plan allows 5,000 requests a day and 150,000 a month; a run makes one realtime
request per stop area, and one ``base_schedule`` request more every ``base_schedule_every``
runs (the only way to see cancelled trains), so settings that would exceed the quota are
refused at startup.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Literal, Self

from pydantic import Field, model_validator

from collector.plugin import SourceSettings

DEFAULT_INTERVAL_S = 180.0
LOOKAHEAD = timedelta(hours=2)
"""How far ahead a run asks for departures by default, and the lead of the departures
analytics (they count the trains about to leave): one number, so that the analytics' last
window hours are never empty against the real service."""
LOOKAHEAD_MINUTES = int(LOOKAHEAD.total_seconds()) // 60
DEFAULT_BASE_SCHEDULE_EVERY = 5
MONTH_DAYS = 31
"""The longest month: the monthly quota must hold in it."""
TERMINI: dict[str, str] = {
    "stop_area:SNCF:87686006": "Paris Gare de Lyon",
    "stop_area:SNCF:87271007": "Paris Gare du Nord",
    "stop_area:SNCF:87384008": "Paris Saint-Lazare",
    "stop_area:SNCF:87391003": "Paris Montparnasse",
    "stop_area:SNCF:87113001": "Paris Gare de l'Est",
    "stop_area:SNCF:87547000": "Paris Austerlitz",
}


class DeparturesSettings(SourceSettings):
    coverage: str = Field(default="sncf", pattern=r"^[a-z0-9_-]+$", description="Navitia coverage")
    stop_areas: list[str] = Field(
        default_factory=lambda: list(TERMINI),
        min_length=1,
        description="Navitia stop area ids polled each run (one request each)",
    )
    duration_minutes: int = Field(
        default=LOOKAHEAD_MINUTES,
        ge=1,
        le=24 * 60,
        description="departures within this many minutes ahead (at least the analytics' lead)",
    )
    count: int = Field(default=200, ge=1, le=1000, description="departures per stop area at most")
    data_freshness: Literal["realtime", "base_schedule"] = "realtime"
    base_schedule_every: int = Field(
        default=DEFAULT_BASE_SCHEDULE_EVERY,
        ge=1,
        description="ask the base schedule too (cancelled trains) every this many runs",
    )
    daily_quota: int = Field(default=5000, ge=1, description="requests a day the token allows")
    monthly_quota: int = Field(default=150_000, ge=1, description="requests a month it allows")

    @model_validator(mode="after")
    def _within_quota(self) -> Self:
        for stop_area in self.stop_areas:
            if not stop_area.startswith("stop_area:"):
                raise ValueError(f"{stop_area!r} is not a Navitia stop area id (stop_area:...)")
        if self.duration_minutes < LOOKAHEAD_MINUTES:
            raise ValueError(
                f"duration_minutes={self.duration_minutes} is shorter than the departures "
                f"analytics' lead: set it at least {LOOKAHEAD_MINUTES}, or the last "
                f"{LOOKAHEAD_MINUTES - self.duration_minutes} minutes they count stay empty"
            )
        interval = self.interval or DEFAULT_INTERVAL_S
        areas = len(self.stop_areas)
        every = self.schedule_every
        per_day = requests_per_day(interval, areas, every)
        limits = ((self.daily_quota, 1, "daily"), (self.monthly_quota, MONTH_DAYS, "monthly"))
        for quota, days, name in limits:
            if per_day * days > quota:
                # The advice is the check solved for the interval, over both quotas, so that
                # following it passes (advising from one quota alone could fail the other).
                floor = smallest_interval(areas, self.daily_quota, self.monthly_quota, every)
                most = most_stop_areas(self.daily_quota, self.monthly_quota, every)
                advice = (
                    f"set interval >= {floor} s or poll fewer stop areas"
                    if floor is not None
                    else f"poll at most {most} stop areas"
                )
                extra = f" (+ base schedule every {every} runs)" if every else ""
                raise ValueError(
                    f"{areas} stop areas every {interval:g} s{extra} make "
                    f"{per_day * days:,} requests per {'day' if days == 1 else 'month'}, above "
                    f"{name}_quota={quota:,}: {advice}"
                )
        return self

    @property
    def schedule_every(self) -> int | None:
        """Runs between two base_schedule requests; None when the realtime board is not asked
        (``data_freshness = base_schedule``: one request per stop area is all it takes)."""
        return self.base_schedule_every if self.data_freshness == "realtime" else None


def requests_per_run(runs: int, every: int | None) -> int:
    """Requests per stop area over ``runs`` runs: one each, plus one base_schedule request in
    the first of every ``every`` runs (the first run always asks it)."""
    return runs + (math.ceil(runs / every) if every else 0)


def requests_per_day(interval: float, stop_areas: int, every: int | None = None) -> int:
    """Requests a day at most: a started run counts whole, one request per stop area and
    run, plus the base_schedule ones."""
    return requests_per_run(math.ceil(86_400 / interval), every) * stop_areas


def most_stop_areas(daily_quota: int, monthly_quota: int, every: int | None = None) -> int:
    """The most stop areas one run a day (with its base_schedule request) keeps within both."""
    return min(daily_quota, monthly_quota // MONTH_DAYS) // requests_per_run(1, every)


def smallest_interval(
    stop_areas: int, daily_quota: int, monthly_quota: int, every: int | None = None
) -> int | None:
    """The smallest whole interval (seconds) within both quotas; None if even one run a day
    of every stop area is above them."""
    allowed = min(daily_quota // stop_areas, monthly_quota // (MONTH_DAYS * stop_areas))
    # The most runs a day whose requests fit: requests_per_run grows with runs, so search
    # down from the bound without base_schedule requests (a few steps: ceil(runs / every)).
    runs = allowed
    while runs >= 1 and requests_per_run(runs, every) > allowed:
        runs -= 1
    if runs < 1:
        return None
    # ceil(86400 / I) <= runs, runs a whole number, holds exactly when I >= 86400 / runs.
    return math.ceil(86_400 / runs)
