"""Output of ``reference_pricing``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from aggregations._common import GoldOutput
from aggregations._parking import CarPark


class CarParkPrices(CarPark):
    price_1h: float | None = Field(description="euros for 1 hour; null when not published")
    price_2h: float | None = Field(description="euros for 2 hours")
    price_3h: float | None = Field(description="euros for 3 hours")
    price_4h: float | None = Field(description="euros for 4 hours")
    price_24h: float | None = Field(description="euros for 24 hours")


class DurationStats(GoldOutput):
    duration: str = Field(description='"1h", "2h", "3h", "4h" or "24h"')
    hours: int = Field(description="the parking duration, hours")
    car_parks_priced: int = Field(description="car parks with a price for this duration")
    median_eur: float | None = Field(description="median price, euros")
    mean_eur: float | None = Field(description="mean price, euros (2 decimals)")
    min_eur: float | None = Field(description="lowest price, euros")
    max_eur: float | None = Field(description="highest price, euros")


class ZonePricing(BaseModel):
    zone: str = Field(description='"Paris 12e", "outside Paris" or "unknown"')
    arrondissement: int | None = Field(description="1-20; null outside Paris or unknown")
    car_parks: int = Field(description="car parks of the zone in the snapshot")
    durations: list[DurationStats] = Field(description="per duration, the zone's car parks")


class ReferencePricing(GoldOutput):
    observed_from: datetime | None = Field(description="oldest record of the snapshot (UTC)")
    observed_to: datetime | None = Field(description="newest record of the snapshot (UTC)")
    car_parks_total: int = Field(description="car parks in the latest snapshot")
    car_parks_priced: int = Field(description="car parks with at least one price")
    city: list[DurationStats] = Field(description="per duration, all car parks")
    by_zone: list[ZonePricing] = Field(description="per arrondissement, then outside/unknown")
    car_parks: list[CarParkPrices] = Field(description="every car park, by id (numeric order)")
