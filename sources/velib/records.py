"""Vélib' record: one station's bikes and docks at the time it last reported."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from collector.plugin import Record

Flag = Literal["negative", "above_capacity", "stale", "time_clamped", "no_reference"]


class VelibStation(Record):
    """``entity_id`` = the GBFS ``station_id``. ``observed_at`` = the station's
    ``last_reported``, or the feed's ``last_updated`` when that value is implausible."""

    stream: ClassVar[str] = ""
    history: ClassVar[bool] = True

    entity_id: str = Field(min_length=1, description="the GBFS station_id")
    observed_at: AwareDatetime = Field(
        description="the station's last_reported, or the feed's last_updated when that value "
        "is implausible, UTC"
    )
    station_code: str | None = Field(description='Vélib\' "stationCode", e.g. "16107"')
    name: str | None = Field(description="station name, as published")
    lon: float | None = Field(ge=-180, le=180, description="longitude, degrees WGS84")
    lat: float | None = Field(ge=-90, le=90, description="latitude, degrees WGS84")
    capacity: int | None = Field(ge=0, description="docks of the station")
    arrondissement: int | None = Field(ge=1, le=20, description="1-20; null outside Paris")
    zone: str = Field(description='"Paris 12e", "outside Paris" or "unknown"')
    bikes_available: int | None = Field(ge=0, description="bikes ready to rent, all kinds")
    mechanical_available: int | None = Field(ge=0, description="mechanical bikes ready to rent")
    ebike_available: int | None = Field(ge=0, description="electric bikes ready to rent")
    docks_available: int | None = Field(ge=0, description="free docks to return a bike to")
    is_installed: bool = Field(description="the station is on the street")
    is_renting: bool = Field(description="bikes can be taken")
    is_returning: bool = Field(description="bikes can be returned")
    flags: list[Flag] = Field(description="implausible, stale or incomplete values")
