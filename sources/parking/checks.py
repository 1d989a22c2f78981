"""Data-quality checks of the car parks' live counts: implausible values are stored flagged,
never dropped, and the analytics leave them out (``collector.quality``)."""

from __future__ import annotations

from typing import Any

from collector.plugin import Check, Data


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def free_nonnegative(data: Data) -> bool:
    free = _int(data.get("free_places"))
    return free is None or free >= 0


def free_within_capacity(data: Data) -> bool:
    """Where the car capacity is known, the live count never exceeds it."""
    free, capacity = _int(data.get("free_places")), _int(data.get("capacity_cars"))
    return free is None or capacity is None or free <= capacity


CHECKS = (
    Check(
        name="free_nonnegative",
        description="free places are never negative",
        record=free_nonnegative,
    ),
    Check(
        name="free_within_capacity",
        description="free places never exceed the car capacity, where it is known",
        record=free_within_capacity,
    ),
)
