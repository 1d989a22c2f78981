"""Output of ``velib_availability``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from aggregations._common import GoldOutput


class Counts(BaseModel):
    stations: int = Field(description="stations counted (latest report recent enough)")
    in_service: int = Field(description="stations installed and renting")
    not_installed: int = Field(description="stations not installed (works, closures)")
    empty: int = Field(description="stations in service with 0 bikes")
    full: int = Field(description="stations in service with 0 free docks")
    bikes_available: int = Field(description="bikes ready to rent at stations in service")
    mechanical_available: int = Field(description="mechanical bikes, stations in service")
    ebike_available: int = Field(description="electric bikes, stations in service")
    docks_available: int = Field(description="free docks at stations in service")
    share_empty: float | None = Field(description="empty / in_service, 0-1")
    share_full: float | None = Field(description="full / in_service, 0-1")


class ZoneAvailability(Counts):
    zone: str = Field(description='"Paris 1er" ... "Paris 20e", "outside Paris" or "unknown"')
    arrondissement: int | None = Field(description="1-20; null outside Paris or unknown")


class VelibAvailability(Counts, GoldOutput):
    as_of: datetime = Field(description="the run's window end (UTC)")
    max_age_hours: float = Field(description="reports older than this were left out")
    stations_total: int = Field(description="stations in the latest snapshot")
    stations_not_reporting: int = Field(description="left out: latest report too old")
    counts_unknown: int = Field(description="stations in service with a null (negative) count")
    observed_from: datetime | None = Field(description="oldest report counted (UTC)")
    observed_to: datetime | None = Field(description="newest report counted (UTC)")
    zones: list[ZoneAvailability] = Field(
        description="arrondissements 1-20 present, then outside Paris, then unknown"
    )
