"""Data-quality checks of the Vélib' stations' counts: implausible values are stored flagged,
never dropped, and the analytics leave them out (``collector.quality``)."""

from __future__ import annotations

from collector.plugin import Check, Data

COUNTS = ("bikes_available", "mechanical_available", "ebike_available", "docks_available")


def _counts(data: Data) -> list[int]:
    return [value for name in COUNTS if type(value := data.get(name)) is int]


def counts_nonnegative(data: Data) -> bool:
    """The parser turns a negative count into null and flags it ``negative`` (the raw value
    stays in bronze): the flag is the evidence once the value is gone."""
    return "negative" not in (data.get("flags") or ()) and all(n >= 0 for n in _counts(data))


def counts_within_capacity(data: Data) -> bool:
    """Where the station's capacity is known, no count of bikes or docks exceeds it."""
    capacity = data.get("capacity")
    return type(capacity) is not int or all(n <= capacity for n in _counts(data))


CHECKS = (
    Check(
        name="counts_nonnegative",
        description="bikes and free docks are never negative",
        record=counts_nonnegative,
    ),
    Check(
        name="counts_within_capacity",
        description="no count of bikes or free docks exceeds the station's capacity, where known",
        record=counts_within_capacity,
    ),
)
