"""Output of ``traffic_congestion_index``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aggregations._traffic import TrafficOutput


class StateShare(BaseModel):
    state: str = Field(description="Fluide, Pré-saturé, Saturé, Bloqué or Inconnu")
    arcs: int = Field(description="arcs in this state at data_hour")
    share: float | None = Field(description="arcs / all arcs at data_hour, 0-1")


class CongestionIndex(TrafficOutput):
    congestion_index: float | None = Field(
        description="0 (all fluid) to 100 (all blocked), over arcs_rated; see README"
    )
    arcs_rated: int = Field(description="open arcs with a known state: the index's base")
    arcs_closed: int = Field(description="arcs closed to traffic (Barré), left out of the index")
    states: list[StateShare] = Field(description="every state, in the order of STATES")
    arcs_with_occupancy: int = Field(description="arcs with a measured occupancy k")
    mean_occupancy_k: float | None = Field(description="mean occupancy k of those arcs, %")
