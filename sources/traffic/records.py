"""Traffic records: one hourly count per arc, and the arc reference (geometry)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from collector.plugin import Record

TrafficState = Literal["Fluide", "Pré-saturé", "Saturé", "Bloqué", "Inconnu"]


class _Arc(Record):
    """What an arc (a road section between two nodes) is, shared by both records."""

    entity_id: str = Field(min_length=1, description="the arc id (iu_ac)")
    label: str | None = Field(description="arc label, e.g. Av_Flandre or CF1424->CF0181")
    upstream_node_id: str | None = Field(description="id of the node the arc starts at")
    upstream_node_label: str | None = Field(description="label of the node the arc starts at")
    downstream_node_id: str | None = Field(description="id of the node the arc ends at")
    downstream_node_label: str | None = Field(description="label of the node the arc ends at")
    lon: float | None = Field(ge=-180, le=180, description="arc centroid, degrees WGS84")
    lat: float | None = Field(ge=-90, le=90, description="arc centroid, degrees WGS84")
    arrondissement: int | None = Field(ge=1, le=20, description="1-20, None outside Paris")
    zone: str = Field(description='"Paris 12e", "outside Paris" or "unknown" (no centroid)')


class TrafficCount(_Arc):
    """One arc, one hour. ``entity_id`` = ``iu_ac``; ``observed_at`` = END of the hour (UTC)."""

    stream: ClassVar[str] = ""
    history: ClassVar[bool] = True

    observed_at: AwareDatetime = Field(
        description="the END of the counted hour, UTC (the publisher's t_1h): 19:00 is the "
        "count of 18:00-19:00"
    )
    # No bounds here: a negative q or a k above 100 is a number the loop did send; it is kept,
    # flagged by the checks q_range and k_range (sources/traffic/checks.py), not set aside.
    flow_q: float | None = Field(description="vehicles in the hour; None = not measured")
    occupancy_k: float | None = Field(
        description="% of the hour the loop is occupied, 0-100 (check k_range); None = not measured"
    )
    traffic_state: TrafficState = Field(
        description="the publisher's state from the occupancy k (Fluide < 15 %, Pré-saturé "
        "15-30, Saturé 30-50, Bloqué >= 50; Inconnu when k is not measured)"
    )
    arc_status: str | None = Field(description="Ouvert, Barré, Invalide, ...")


class Arc(_Arc):
    """The arc reference (latest per arc). ``observed_at`` = the hour it was read from."""

    stream: ClassVar[str] = "arcs"
    history: ClassVar[bool] = False

    observed_at: AwareDatetime = Field(
        description="the counted hour (its end, UTC) the reference was read from"
    )
    geometry: list[tuple[float, float]] | None = Field(
        description="the arc's line as [lon, lat] pairs; None when the publisher has none"
    )
