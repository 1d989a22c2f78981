"""Road congestion index of the latest hour, with the arcs in each traffic state."""

from __future__ import annotations

from datetime import timedelta

from aggregations.traffic_congestion_index.compute import compute
from aggregations.traffic_congestion_index.models import CongestionIndex
from collector.plugin import Aggregation

AGGREGATION = Aggregation(
    name="traffic_congestion_index",
    description="0-100 congestion index and arcs per traffic state, latest counted hour",
    inputs=(),
    latest_inputs=("traffic",),
    interval=timedelta(hours=1),
    window=timedelta(hours=1),
    output=CongestionIndex,
    compute=compute,
)
