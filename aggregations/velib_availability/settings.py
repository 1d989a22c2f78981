"""Settings of ``velib_availability`` (``[aggregations.velib_availability]`` or env)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import AggregationSettings


class VelibAvailabilitySettings(AggregationSettings):
    max_age_hours: float = Field(
        default=24,
        gt=0,
        description="a station whose latest report is older than this is not counted",
    )
