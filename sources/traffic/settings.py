"""Settings of the traffic source (``[sources.traffic]``, ``PARIS_SOURCES__TRAFFIC__*``)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import SourceSettings


class TrafficSettings(SourceSettings):
    dataset: str = Field(
        default="comptages-routiers-permanents", description="dataset id on opendata.paris.fr"
    )
    backfill_hours: int = Field(
        default=24, ge=1, le=24 * 31, description="hours fetched below the newest on a first run"
    )
    max_hours_per_run: int = Field(
        default=48, ge=1, le=24 * 14, description="hours downloaded at most per run (catch-up)"
    )
    arcs_refresh_hours: float = Field(
        default=24, gt=0, description="hours before the arc reference (geometry) is fetched again"
    )
    export_timeout: float = Field(
        default=180, gt=0, description="seconds an export download may take"
    )
