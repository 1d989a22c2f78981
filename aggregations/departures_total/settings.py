"""Settings of ``departures_total`` (``[aggregations.departures_total]`` or env)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import AggregationSettings


class DeparturesTotalSettings(AggregationSettings):
    delay_threshold_minutes: float = Field(
        default=5, ge=0, description="a departure more than this many minutes late is delayed"
    )
