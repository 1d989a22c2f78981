"""Settings of ``number_of_parkings_in_operation`` (``[aggregations.<name>]`` or env)."""

from __future__ import annotations

from aggregations._parking import FreshnessSettings


class InOperationSettings(FreshnessSettings):
    """``max_age_minutes`` (default 30): how old a live count may be and still count."""
