"""Settings of ``overall_occupancy_rate`` (``[aggregations.overall_occupancy_rate]`` or env)."""

from __future__ import annotations

from aggregations._parking import FreshnessSettings


class OccupancySettings(FreshnessSettings):
    """``max_age_minutes`` (default 30): how old a live count may be and still count."""
