"""The time-range control of the trend charts, and an analytic's fields over that range.

Up to two days a trend is every run, from the hot store; longer, it is the mean per Paris
hour (up to a week), day (up to three months) or week, from the lake (:func:`data.trend`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st

from dashboard import data, ui


@dataclass(frozen=True)
class TimeRange:
    label: str
    hours: float
    short: str
    """On the control: seven choices fit a phone's width only as short as ``7 d``."""

    def describe(self) -> str:
        """``last 24 h``, ``last 7 days``: the range as a chart's subtitle says it."""
        return f"last {self.label}"


RANGES = (
    TimeRange("6 h", 6, "6 h"),
    TimeRange("24 h", 24, "24 h"),
    TimeRange("48 h", data.TREND_HOURS, "48 h"),
    TimeRange("7 days", 7 * 24, "7 d"),
    TimeRange("30 days", 30 * 24, "30 d"),
    TimeRange("90 days", 90 * 24, "90 d"),
    TimeRange("1 year", 365 * 24, "1 y"),
)
DEFAULT = RANGES[2]
"""The dashboard's trend length before the control existed: two days of hourly traffic."""
BY_LABEL = {r.short: r for r in RANGES}
MEANS = {"hour": "hourly means", "day": "daily means", "week": "weekly means"}
UNITS = {"hour": "hours", "day": "days", "week": "weeks"}


def control(key: str) -> TimeRange:
    """The picker above a trend. Deselecting the chosen range falls back to :data:`DEFAULT`."""
    chosen = st.segmented_control(
        "Time range",
        [r.short for r in RANGES],
        default=DEFAULT.short,
        key=key,
        help="How far back the chart goes, up to now. Beyond two days the chart shows means "
        "per hour, day or week, read from the lake.",
    )
    return BY_LABEL.get(str(chosen), DEFAULT)


def trend(
    ctx: data.Context,
    name: str,
    fields: Iterable[str],
    chosen: TimeRange,
    *,
    time_field: str | None = None,
) -> data.Trend:
    """``name``'s ``fields`` in the range (see :func:`data.trend`). When the lake could not
    answer, the note says so above the chart; when the range holds no run, the message says
    when the newest one is, so that a reader knows to widen the range."""
    try:
        found = data.trend(ctx, name, fields, chosen.hours, time_field=time_field)
    except data.NoData:
        newest = data.gold_latest(ctx, name)  # its own NoData: the analytic has not run
        end = data.paris_time(data.parse_time(newest.get("window_end")))
        raise data.NoData(
            f"No {name} result in the {chosen.describe()}: the newest is of {end} (Paris). "
            "Choose a longer time range."
        ) from None
    if found.note:
        ui.note(found.note)
    return found


def when(found: data.Trend, chosen: TimeRange, runs: str = "runs") -> str:
    """A trend's subtitle line: the range, what each point is, and the span it covers.

    It counts the points actually drawn and names their first and last time, so a range
    the data does not fill (a lake started last week) never reads as a full one.
    """
    first = data.paris_time(found.times[0] if found.times else None)
    last = data.paris_time(found.times[-1] if found.times else None)
    if found.bucket is None:
        return f"{chosen.describe()}: {len(found.times)} {runs}, {first} to {last} (Paris)"
    origin = "lake" if found.from_lake else "hot store"
    return (
        f"{chosen.describe()}, {MEANS[found.bucket]} ({origin}): {len(found.times)} "
        f"{UNITS[found.bucket]} from {first} to {last} (Paris)"
    )
