"""Output of ``traffic_fluidity_by_zone``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aggregations._traffic import TrafficOutput


class ZoneFluidity(BaseModel):
    zone: str = Field(description='"Paris 1er" ... "Paris 20e", "outside Paris" or "unknown"')
    arrondissement: int | None = Field(description="1-20; null outside Paris or unknown")
    arcs: int = Field(description="arcs of the zone counted for data_hour")
    arcs_rated: int = Field(description="open arcs with a known state (not Inconnu, not Barré)")
    fluid_arcs: int = Field(description="rated arcs in state Fluide")
    share_fluid: float | None = Field(description="fluid_arcs / arcs_rated, 0-1")
    arcs_with_occupancy: int = Field(description="arcs with a measured occupancy k")
    mean_occupancy_k: float | None = Field(description="mean occupancy k, % of the hour")
    arcs_with_flow: int = Field(description="arcs with a measured flow q")
    mean_flow_q: float | None = Field(description="mean flow q, vehicles per hour per arc")


class FluidityByZone(TrafficOutput):
    zones: list[ZoneFluidity] = Field(
        description="arrondissements 1-20 present, then outside Paris, then unknown"
    )
