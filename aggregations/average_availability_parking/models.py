"""Output of ``average_availability_parking``."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from aggregations._common import GoldOutput
from aggregations._parking import CarPark


class CarParkAvailability(CarPark):
    capacity_cars: int | None = Field(description="car places (latest sample); null if unknown")
    samples: int = Field(description="live counts of this car park used in the window")
    mean_free_places: float = Field(description="mean free car places over the samples")
    min_free_places: int = Field(description="fewest free car places among the samples")
    max_free_places: int = Field(description="most free car places among the samples")
    mean_availability_rate: float | None = Field(
        description="mean of free/capacity over the samples, 0-1; null when capacity unknown or 0"
    )
    last_observed_at: datetime = Field(description="time of the newest sample (UTC)")


class AverageAvailability(GoldOutput):
    window_start: datetime = Field(description="window start, exclusive (UTC)")
    window_end: datetime = Field(description="window end, inclusive (UTC)")
    observed_from: datetime | None = Field(description="oldest sample used (UTC)")
    observed_to: datetime | None = Field(description="newest sample used (UTC)")
    car_parks_reporting: int = Field(description="car parks with at least one sample")
    samples: int = Field(description="live counts used, all car parks")
    samples_rejected: int = Field(description="live counts left out as implausible")
    records_without_live_count: int = Field(description="records of the window with no live count")
    car_parks: list[CarParkAvailability] = Field(description="ordered by car park id")
