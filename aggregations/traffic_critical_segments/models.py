"""Output of ``traffic_critical_segments``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aggregations._traffic import TrafficOutput


class Segment(BaseModel):
    entity_id: str = Field(description="the arc id (iu_ac)")
    label: str | None = Field(description="the arc's label, e.g. Av_Flandre")
    traffic_state: str = Field(description="Saturé, Bloqué, ... as in the count")
    arc_status: str | None = Field(description="Ouvert, Barré, Invalide, ...")
    occupancy_k: float | None = Field(description="% of the hour the loop was occupied")
    flow_q: float | None = Field(description="vehicles in the hour; null = not measured")
    arrondissement: int | None = Field(description="1-20; null outside Paris or unknown")
    zone: str = Field(description='"Paris 12e", "outside Paris" or "unknown"')
    lon: float | None = Field(description="arc centroid longitude, degrees WGS84")
    lat: float | None = Field(description="arc centroid latitude, degrees WGS84")


class CriticalSegments(TrafficOutput):
    saturated: int = Field(description="open arcs in state Saturé")
    blocked: int = Field(description="open arcs in state Bloqué")
    closed: int = Field(description="arcs closed to traffic (Barré)")
    max_segments: int = Field(description="the most segments listed per list (setting)")
    critical: list[Segment] = Field(description="Saturé and Bloqué open arcs, most occupied first")
    closed_arcs: list[Segment] = Field(description="Barré arcs, by zone then id")
