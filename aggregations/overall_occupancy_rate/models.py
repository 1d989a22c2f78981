"""Output of ``overall_occupancy_rate``."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from aggregations._common import GoldOutput
from aggregations._parking import NotReporting


class Excluded(NotReporting):
    no_capacity: int = Field(description="reporting, but car capacity unknown or 0")


class OverallOccupancy(GoldOutput):
    as_of: datetime = Field(description="the moment freshness is judged against (window end, UTC)")
    max_age_minutes: float = Field(description="freshness limit of a live count, minutes")
    occupancy_rate: float | None = Field(
        description="sum(capacity - free) / sum(capacity) over the car parks used, 0-1"
    )
    occupied_places: int = Field(description="sum(capacity - free), car places")
    free_places: int = Field(description="sum(free), car places")
    capacity_places: int = Field(description="sum(capacity), car places")
    car_parks_used: int = Field(description="car parks in the rate")
    car_parks_total: int = Field(
        description="car parks in the latest snapshot that passed the quality checks"
    )
    excluded: Excluded = Field(
        description="car parks left out of the rate, by reason; the core adds one count per "
        "failed quality check (e.g. free_within_capacity), left out before the rate"
    )
    observed_from: datetime | None = Field(description="oldest live count used (UTC)")
    observed_to: datetime | None = Field(description="newest live count used (UTC)")
