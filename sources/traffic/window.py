"""The hours a traffic payload asked for, and the rows dated outside them.

The fetch records ``{"since", "until"}`` in the bundle: a row dated after ``until`` (an
upstream's bad value, a row from 2099) is set aside with its reason, never stored, so it can
move neither the latest view nor the watermark into the future.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from collector.plugin import Invalid, Parsed

Build = Callable[[dict[str, Any]], Parsed]


def until_of(window: Any) -> datetime | None:
    """The last hour the export asked for (bundles made before it was recorded have none)."""
    value = window.get("until") if isinstance(window, dict) else None
    return hour_of(value) if isinstance(value, str) else None


def bounded(build: Build, until: datetime) -> Build:
    """``build``, setting aside a row dated after the hours the export asked for."""

    def checked(row: dict[str, Any]) -> Parsed:
        return too_late(row, until) or build(row)

    return checked


def too_late(row: dict[str, Any], until: datetime) -> Invalid | None:
    """The reason to set ``row`` aside if it is dated after ``until``, else None."""
    hour = row.get("t_1h")
    moment = hour_of(hour) if isinstance(hour, str) else None
    if moment is not None and moment > until:
        return Invalid(
            reason=f"t_1h {hour} is after the hours asked for (up to {until.isoformat()})",
            data=row,
            entity_id=str(row["iu_ac"]) if row.get("iu_ac") is not None else None,
        )
    return None


@lru_cache(maxsize=4096)
def hour_of(text: str) -> datetime | None:
    """``2025-11-04T19:00:00+00:00`` -> aware UTC datetime (whole seconds); None if naive/bad."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return None
        return moment.astimezone(UTC).replace(microsecond=0)
    except (ValueError, OverflowError):  # unreadable, or out of range once in UTC
        return None
