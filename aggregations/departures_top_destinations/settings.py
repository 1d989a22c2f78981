"""Settings of ``departures_top_destinations`` (``[aggregations.departures_top_destinations]``)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import AggregationSettings


class TopDestinationsSettings(AggregationSettings):
    top_n: int = Field(default=10, ge=1, le=100, description="destinations listed at most")
