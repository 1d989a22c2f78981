"""Parking record: one Paris car park, its capacities and prices, and its free places if known."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from collector.plugin import Record

Flag = Literal["above_capacity", "negative", "stale"]


class ParkingAvailability(Record):
    """``entity_id`` = the Paris car park ``id``. ``observed_at`` = the live count's time when
    matched, else a stable time (reference fetch, or the start of a live-feed outage)."""

    stream: ClassVar[str] = ""
    history: ClassVar[bool] = True

    entity_id: str = Field(min_length=1, description="the Paris car park id")
    observed_at: AwareDatetime = Field(
        description="time of the live count when one is matched, else a stable time (the "
        "reference fetch, or the start of a live-feed outage), UTC"
    )
    name: str | None = Field(description="car park name, as published")
    address: str | None = Field(description="street address, as published")
    arrondissement: int | None = Field(ge=1, le=20, description="1-20; null outside Paris")
    zone: str = Field(description='"Paris 12e", "outside Paris" or "unknown"')
    operator: str | None = Field(description="delegate operator: SAEMES, INDIGO, ...")
    capacity_cars: int | None = Field(ge=0, description="car places")
    capacity_pmr: int | None = Field(ge=0, description="places for disabled drivers")
    capacity_motorbikes: int | None = Field(ge=0, description="motorised two-wheeler places")
    capacity_bikes: int | None = Field(ge=0, description="bicycle places")
    capacity_ev: int | None = Field(ge=0, description="places with electric charging")
    max_height_cm: int | None = Field(ge=0, description="maximum vehicle height, cm")
    price_1h: float | None = Field(ge=0, description="euros")
    price_2h: float | None = Field(ge=0, description="euros")
    price_3h: float | None = Field(ge=0, description="euros")
    price_4h: float | None = Field(ge=0, description="euros")
    price_24h: float | None = Field(ge=0, description="euros")
    lon: float | None = Field(ge=-180, le=180, description="longitude, degrees WGS84")
    lat: float | None = Field(ge=-90, le=90, description="latitude, degrees WGS84")
    live_id: str | None = Field(description="SAEMES facility id (PMOxx) of the matched counter")
    free_places: int | None = Field(description="free car places (STANDARD counter)")
    occupancy_rate: float | None = Field(ge=0, le=1, description="1 - free/capacity_cars")
    availability: Literal["live", "unknown"] = Field(
        description="live: free_places comes from a live counter; unknown: no live count"
    )
    flags: list[Flag] = Field(description="implausible or stale live values")
