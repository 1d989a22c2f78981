"""Parking record: one Paris car park, its capacities and prices, and its free places if known."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from collector.plugin import Record

Flag = Literal["above_capacity", "negative", "stale"]


class ParkingAvailability(Record):
    """``entity_id`` = the Paris car park ``id``. ``observed_at`` = the live count's time when
    matched, else a stable time (reference fetch, or the start of a live-feed outage)."""

    stream: ClassVar[str] = ""
    history: ClassVar[bool] = True

    name: str | None
    address: str | None
    arrondissement: int | None = Field(ge=1, le=20)
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
    lon: float | None = Field(ge=-180, le=180)
    lat: float | None = Field(ge=-90, le=90)
    live_id: str | None = Field(description="SAEMES facility id (PMOxx) of the matched counter")
    free_places: int | None = Field(description="free car places (STANDARD counter)")
    occupancy_rate: float | None = Field(ge=0, le=1, description="1 - free/capacity_cars")
    availability: Literal["live", "unknown"]
    flags: list[Flag] = Field(description="implausible or stale live values")
