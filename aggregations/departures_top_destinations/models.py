"""Output of ``departures_top_destinations``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aggregations._departures import DeparturesOutput


class Destination(BaseModel):
    rank: int = Field(description="1 = most departures")
    direction: str = Field(description="the terminus label, as published")
    departures: int = Field(description="departures towards it in the window")
    share: float | None = Field(description="departures / all departures of the window, 0-1")


class TopDestinations(DeparturesOutput):
    cancelled: int = Field(description="trains cancelled in the window, not in departures")
    top_n: int = Field(description="the most destinations listed (setting)")
    destinations_total: int = Field(description="distinct known directions in the window")
    departures_without_direction: int = Field(description="departures with no direction")
    other_departures: int = Field(description="departures not towards a listed destination")
    destinations: list[Destination] = Field(description="most departures first, ties by name")
