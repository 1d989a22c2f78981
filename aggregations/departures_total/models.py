"""Output of ``departures_total``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aggregations._departures import DeparturesOutput


class Punctuality(BaseModel):
    departures: int = Field(description="departures counted (cancelled trains excluded)")
    departures_with_delay: int = Field(description="departures whose delay is known")
    departures_realtime: int = Field(description="departures with realtime data")
    mean_delay_minutes: float | None = Field(description="mean delay, minutes (negative = early)")
    delayed: int = Field(description="departures more than delay_threshold_minutes late")
    share_delayed: float | None = Field(description="delayed / departures_with_delay, 0-1")
    cancelled: int = Field(description="trains cancelled (status cancelled), not in departures")


class StationDepartures(Punctuality):
    stop_area_id: str = Field(description="the stop area polled")
    station: str | None = Field(description="its name, e.g. Paris Gare de Lyon")


class DeparturesTotal(DeparturesOutput):
    delay_threshold_minutes: float = Field(description="a departure later than this is delayed")
    cancelled: int = Field(description="trains cancelled in the window, all stations")
    total: Punctuality = Field(description="all stations together")
    stations: list[StationDepartures] = Field(description="most departures first, ties by name")
