"""Car park prices for 1-24 hours: per car park, and city and arrondissement statistics."""

from __future__ import annotations

from datetime import timedelta

from aggregations.reference_pricing.compute import compute
from aggregations.reference_pricing.models import ReferencePricing
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="reference_pricing",
    description="car park prices (1h-24h) per car park, with median/mean/min/max by zone",
    inputs=(),
    latest_inputs=("parking",),
    interval=timedelta(hours=6),
    window=timedelta(hours=6),
    output=ReferencePricing,
    compute=compute,
)
