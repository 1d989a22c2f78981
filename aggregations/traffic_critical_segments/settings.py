"""Settings of ``traffic_critical_segments`` (``[aggregations.traffic_critical_segments]``)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import AggregationSettings


class CriticalSettings(AggregationSettings):
    max_segments: int = Field(
        default=100, ge=1, le=1000, description="segments listed at most in each list"
    )
