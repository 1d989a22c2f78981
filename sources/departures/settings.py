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
        per_day = math.ceil(86_400 / interval) * len(self.stop_areas)
        limits = ((self.daily_quota, 1, "daily"), (self.monthly_quota, 31, "monthly"))
        for quota, days, name in limits:
            if per_day * days > quota:
                floor = math.ceil(86_400 * days * len(self.stop_areas) / quota)
                raise ValueError(
                    f"{len(self.stop_areas)} stop areas every {interval:g} s make "
                    f"{per_day * days:,} requests per {'day' if days == 1 else 'month'}, above "
                    f"{name}_quota={quota:,}: set interval >= {floor} s or poll fewer stop areas"
                )
        return self
