"""Departures: trains by network, top destinations, and a departure board with delays."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, plugin_info, ui
from readlayer.status import SourceStatus

ALL = "All stations"
BOARD_PAST = timedelta(minutes=10)
DEFAULT_WINDOW_MIN = 120  # the source's default fetch window (its LOOKAHEAD), settings unread
BOARD_ROWS = 60
CLOCK = "HH:mm"
BOARD_COLUMNS = {
    "scheduled": st.column_config.DatetimeColumn(
        "sched.", format=CLOCK, timezone="Europe/Paris", width="small"
    ),
    "expected": st.column_config.DatetimeColumn(
        "expected", format=CLOCK, timezone="Europe/Paris", width="small"
    ),
    "delay": st.column_config.NumberColumn("delay (min)", format="%+.0f", width="small"),
    "status": st.column_config.TextColumn("status"),
    "train": st.column_config.TextColumn("train", width="small"),
    "network": st.column_config.TextColumn("network", width="small"),
    "direction": st.column_config.TextColumn("destination", width="medium"),
    "station": st.column_config.TextColumn("station", width="medium"),
}


def _status(delay: Any, realtime: Any, status: Any = None, message: Any = None) -> str:
    # Records stored before the source learnt cancellations carry no status.
    if status == "cancelled":
        return "CANCELLED" + (f" — {message}" if isinstance(message, str) and message else "")
    if status == "added":
        return "added train"
    if pd.isna(realtime):
        return "timetable only"
    if pd.isna(delay) or delay <= 0:
        return "on time"
    return f"late {delay:.0f} min"


def window_minutes(ctx: data.Context) -> int:
    """How far ahead each run of the source asks for departures (its ``duration_minutes``):
    the board cannot know a train further ahead."""
    settings = plugin_info.source_settings(ctx.settings, "departures")
    value = getattr(settings, "duration_minutes", None)
    return value if isinstance(value, int) and value > 0 else DEFAULT_WINDOW_MIN


def why_empty(judged: SourceStatus, station: str, minutes: int) -> tuple[str, bool]:
    """What an empty board means, and whether it is a problem (a warning, not a note).

    An empty board after a good run is the timetable's news (a night, a strike), not the
    collector's: only a source that never ran has stored nothing, and only a stale or failing
    one may be missing trains."""
    where = "any polled station" if station == ALL else station
    if judged.label == "ok":
        return f"No train in the next {minutes} minutes at {where}.", False
    if judged.label == "never_run":
        return (
            "The collector has stored no departure yet: the departures source has not run.",
            False,
        )
    if judged.label == "disabled":
        return f"The departures source is disabled: {judged.detail}.", False
    return (
        f"No train in the collected data for the next {minutes} minutes at {where}, but the "
        f"departures source is {judged.label} ({judged.detail}): trains may be missing.",
        True,
    )


def board(
    ctx: data.Context, frame: pd.DataFrame, station: str, judged: SourceStatus, minutes: int
) -> None:
    st.subheader(ui.escape(f"Departure board: {station}"))
    if not frame.empty and station != ALL:
        frame = frame[frame["station"] == station]
    if frame.empty:
        shown = pd.DataFrame(columns=list(BOARD_COLUMNS))
    else:
        base = pd.to_datetime(frame["base_departure"], utc=True, format="ISO8601")
        realtime = pd.to_datetime(frame["realtime_departure"], utc=True, format="ISO8601")
        expected = realtime.fillna(base)
        keep = (expected >= ctx.now - BOARD_PAST) & (base <= ctx.now + timedelta(minutes=minutes))
        frame, base, realtime, expected = frame[keep], base[keep], realtime[keep], expected[keep]
        order = expected.sort_values().index[:BOARD_ROWS]
        delays = frame.loc[order, "delay_minutes"]
        statuses = frame.get("status", pd.Series(None, index=frame.index))[order]
        messages = frame.get("disruption_message", pd.Series(None, index=frame.index))[order]
        cancelled = statuses == "cancelled"
        shown = pd.DataFrame(
            {
                "scheduled": base[order],
                # A cancelled train keeps its line, but leaves at no time.
                "expected": expected[order].mask(cancelled),
                "delay": delays,
                "status": [
                    _status(*fields)
                    for fields in zip(delays, realtime[order], statuses, messages, strict=True)
                ],
                "train": frame.loc[order, "train_number"],
                "network": frame.loc[order, "network"],
                "direction": frame.loc[order, "direction"],
                "station": frame.loc[order, "station"],
            }
        )
    if shown.empty:
        message, problem = why_empty(judged, station, minutes)
        ui.say(st.warning if problem else st.info, message)
        return
    late = int((shown["delay"] > 0).sum())
    cancelled_n = int(shown["status"].str.startswith("CANCELLED").sum())
    lagging = (
        f" The departures source is {judged.label} ({judged.detail}): expected times may be "
        "out of date."
        if judged.label in ("stale", "failing")
        else ""
    )
    ui.table(
        shown,
        "departure-board",
        caption=f"Next {len(shown)} departures within {minutes} minutes (Paris time), {late} "
        f"announced late, {cancelled_n} cancelled, as polled by the collector.{lagging} "
        f"Source: {ctx.catalogue.credit('departures')}.",
        column_config=BOARD_COLUMNS,
        height=460,
        credit=ui.credit(ctx, "departures"),
    )


def punctuality(ctx: data.Context, station: str) -> None:
    point = data.gold_latest(ctx, "departures_total")
    d = point["data"]
    stats: dict[str, Any] = d.get("total", {})
    if station != ALL:
        stats = next((s for s in d.get("stations", []) if s.get("station") == station), {})
    share, mean = stats.get("share_delayed"), stats.get("mean_delay_minutes")
    one, two, three = st.columns(3)
    one.metric("Departures, 24 h", f"{stats.get('departures', 0):,}")
    two.metric("Delayed", ui.MISSING if share is None else f"{share:.0%}")
    three.metric("Mean delay", ui.MISSING if mean is None else f"{mean:.1f} min")
    ui.note(
        f"{station}: later than {d.get('delay_threshold_minutes', '?')} min counts as delayed"
        f" · analytic departures_total, {ui.window(point)}"
    )


def networks(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "departures_by_network")
    rows = point["data"].get("networks", [])
    if not rows:
        raise data.NoData("No departure counted by network in the last 24 hours.")
    stamp = ui.stamp(
        ctx,
        "departures_by_network",
        "Departures by network",
        "analytic departures_by_network: all polled stations, last 24 h",
        ui.window(point),
    )
    fig = charts.bars(
        [r["network"] for r in rows], [r["departures"] for r in rows], stamp, x_title="departures"
    )
    ui.chart(fig, "departures-networks")


def destinations(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "departures_top_destinations")
    rows = point["data"].get("destinations", [])
    if not rows:
        raise data.NoData("No destination counted in the last 24 hours.")
    stamp = ui.stamp(
        ctx,
        "departures_top_destinations",
        f"Top {len(rows)} destinations",
        "analytic departures_top_destinations: all polled stations, last 24 h",
        ui.window(point),
    )
    fig = charts.bars(
        [r["direction"] for r in rows],
        [r["departures"] for r in rows],
        stamp,
        x_title="departures",
    )
    ui.chart(fig, "departures-destinations")


def body(ctx: data.Context) -> None:
    frame = pd.DataFrame()
    station = ALL
    with ui.section("Station filter"):
        with contextlib.suppress(data.NoData):  # the board says why it is empty
            frame = data.latest(ctx, "departures")
        stations = sorted(s for s in frame.get("station", pd.Series()).dropna().unique())
        station = st.selectbox("Station", [ALL, *stations], key="departures-station") or ALL
    with ui.section("Punctuality"):
        punctuality(ctx, station)
    left, right = st.columns(2)
    with left, ui.section("Departures by network"):
        networks(ctx)
    with right, ui.section("Top destinations"):
        destinations(ctx)
    with ui.section("Departure board"):
        board(ctx, frame, station, data.source_status(ctx, "departures"), window_minutes(ctx))


ui.page(
    "Departures",
    "Trains leaving the Paris termini: SNCF real-time departures.",
    ("departures", "departures_total"),
    body,
)
