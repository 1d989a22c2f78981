"""Settings of the departures source (``[sources.departures]``, ``PARIS_SOURCES__DEPARTURES__*``).

The free SNCF plan allows 5,000 requests a day and 150,000 a month; one run makes one request
per stop area, so settings that would exceed the quota are refused at startup.
"""

from __future__ import annotations

import math
from typing import Literal, Self

from pydantic import Field, model_validator

from collector.plugin import SourceSettings

DEFAULT_INTERVAL_S = 180.0
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
        default=60, ge=1, le=24 * 60, description="departures within this many minutes ahead"
    )
    count: int = Field(default=100, ge=1, le=1000, description="departures per stop area at most")
    data_freshness: Literal["realtime", "base_schedule"] = "realtime"
    daily_quota: int = Field(default=5000, ge=1, description="requests a day the token allows")
    monthly_quota: int = Field(default=150_000, ge=1, description="requests a month it allows")

    @model_validator(mode="after")
    def _within_quota(self) -> Self:
        for stop_area in self.stop_areas:
            if not stop_area.startswith("stop_area:"):
                raise ValueError(f"{stop_area!r} is not a Navitia stop area id (stop_area:...)")
        interval = self.interval or DEFAULT_INTERVAL_S
        areas = len(self.stop_areas)
        per_day = requests_per_day(interval, areas)
        limits = ((self.daily_quota, 1, "daily"), (self.monthly_quota, MONTH_DAYS, "monthly"))
        for quota, days, name in limits:
            if per_day * days > quota:
                # The advice is the check solved for the interval, over both quotas, so that
                # following it passes (advising from one quota alone could fail the other).
                floor = smallest_interval(areas, self.daily_quota, self.monthly_quota)
                advice = (
                    f"set interval >= {floor} s or poll fewer stop areas"
                    if floor is not None
                    else "poll at most "
                    f"{min(self.daily_quota, self.monthly_quota // MONTH_DAYS)} stop areas"
                )
                raise ValueError(
                    f"{areas} stop areas every {interval:g} s make "
                    f"{per_day * days:,} requests per {'day' if days == 1 else 'month'}, above "
                    f"{name}_quota={quota:,}: {advice}"
                )
        return self


def requests_per_day(interval: float, stop_areas: int) -> int:
    """Requests a day at most: a started run counts whole, one request per stop area."""
    return math.ceil(86_400 / interval) * stop_areas


def smallest_interval(stop_areas: int, daily_quota: int, monthly_quota: int) -> int | None:
    """The smallest whole interval (seconds) within both quotas; None if even one run a day
    of every stop area is above them."""
    runs = min(daily_quota // stop_areas, monthly_quota // (MONTH_DAYS * stop_areas))
    if runs < 1:
        return None
    # ceil(86400 / I) <= runs, runs a whole number, holds exactly when I >= 86400 / runs.
    return math.ceil(86_400 / runs)
