"""Settings of the parking source (``[sources.parking]``, ``PARIS_SOURCES__PARKING__*``)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import SourceSettings


class ParkingSettings(SourceSettings):
    reference_dataset: str = Field(
        default="stationnement-en-ouvrage", description="car parks, capacities, prices (Paris)"
    )
    live_dataset: str = Field(
        default="places-disponibles-parkings-saemes", description="live free places (SAEMES)"
    )
    reference_refresh_hours: float = Field(
        default=24, gt=0, description="hours before the car park reference is fetched again"
    )
    live_max_pages: int = Field(
        default=5, ge=1, le=100, description="pages of 100 live rows read at most per run"
    )
