"""A drop-in aggregation for the core's tests: the sum of the counters' latest values."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from collector.plugin import Aggregation, Inputs, Window


class CounterSum(BaseModel):
    entities: int
    total: int
    readings_in_window: int
    note: str | None = None


def compute(inputs: Inputs, window: Window) -> CounterSum:
    latest = inputs.latest["counter"]
    if not latest:
        return CounterSum(entities=0, total=0, readings_in_window=0, note="no counter data yet")
    return CounterSum(
        entities=len(latest),
        total=sum(int(r["value"]) for r in latest),
        readings_in_window=len(inputs.window["counter"]),
    )


AGGREGATION = Aggregation(
    name="counter_sum",
    description="sum of the latest counter values",
    inputs=("counter",),
    latest_inputs=("counter",),
    interval=timedelta(hours=1),
    window=timedelta(days=3650),
    output=CounterSum,
    compute=compute,
)
