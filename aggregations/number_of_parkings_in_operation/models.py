"""Output of ``number_of_parkings_in_operation``."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from aggregations._common import GoldOutput
from aggregations._parking import NotReporting


class ParkingsInOperation(GoldOutput):
    as_of: datetime = Field(description="the moment freshness is judged against (window end, UTC)")
    max_age_minutes: float = Field(description="freshness limit of a live count, minutes")
    car_parks_total: int = Field(description="car parks in the latest snapshot")
    in_operation: int = Field(description="car parks with a fresh, plausible live count")
    share_in_operation: float | None = Field(description="in_operation / car_parks_total, 0-1")
    not_reporting: NotReporting = Field(description="car parks not in operation, by reason")
    observed_from: datetime | None = Field(description="oldest live count counted (UTC)")
    observed_to: datetime | None = Field(description="newest live count counted (UTC)")
