"""The time-range control of the trend charts, and the analytic's points over that range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import data


@dataclass(frozen=True)
class TimeRange:
    label: str
    hours: float

    def describe(self) -> str:
        """``last 24 h``, ``last 7 days``: the range as a chart's subtitle says it."""
        return f"last {self.label}"


RANGES = (
    TimeRange("6 h", 6),
    TimeRange("24 h", 24),
    TimeRange("48 h", data.TREND_HOURS),
    TimeRange("7 days", 7 * 24),
    TimeRange("30 days", 30 * 24),
)
DEFAULT = RANGES[2]
"""The dashboard's trend length before the control existed: two days of hourly traffic."""
BY_LABEL = {r.label: r for r in RANGES}


def control(key: str) -> TimeRange:
    """The picker above a trend. Deselecting the chosen range falls back to :data:`DEFAULT`."""
    chosen = st.segmented_control(
        "Time range",
        [r.label for r in RANGES],
        default=DEFAULT.label,
        key=key,
        help="How far back the chart goes, up to now.",
    )
    return BY_LABEL.get(str(chosen), DEFAULT)


def series(ctx: data.Context, name: str, chosen: TimeRange) -> list[dict[str, Any]]:
    """``name``'s points in the range, oldest first; when there is none, the message says
    when the newest one is, so that a reader knows to widen the range."""
    try:
        return data.gold_series(ctx, name, chosen.hours)
    except data.NoData:
        newest = data.gold_latest(ctx, name)  # its own NoData: the analytic has not run
        end = data.paris_time(data.parse_time(newest.get("window_end")))
        raise data.NoData(
            f"No {name} result in the {chosen.describe()}: the newest is of {end} (Paris). "
            "Choose a longer time range."
        ) from None
