"""Output of ``departures_by_network``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aggregations._departures import DeparturesOutput


class NetworkShare(BaseModel):
    network: str = Field(description='e.g. "TGV INOUI", "Transilien"; "unknown" when missing')
    departures: int = Field(description="departures of the network in the window")
    share: float | None = Field(description="departures / all departures of the window, 0-1")
    cancelled: int = Field(description="trains of the network cancelled, not in departures")


class DeparturesByNetwork(DeparturesOutput):
    cancelled: int = Field(description="trains cancelled in the window, not in departures")
    networks: list[NetworkShare] = Field(description="most departures first, ties by name")
