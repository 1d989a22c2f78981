"""Departures: trains by network, top destinations, and a departure board with delays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, ui

ALL = "All stations"
BOARD_PAST = timedelta(minutes=10)
BOARD_AHEAD = timedelta(hours=3)
BOARD_ROWS = 60
BOARD_COLUMNS = {
    "scheduled": st.column_config.TextColumn("scheduled"),
    "expected": st.column_config.TextColumn("expected"),
    "delay": st.column_config.NumberColumn("delay (min)", format="%+.0f"),
    "status": st.column_config.TextColumn("status"),
    "train": st.column_config.TextColumn("train"),
    "network": st.column_config.TextColumn("network"),
    "direction": st.column_config.TextColumn("destination"),
    "station": st.column_config.TextColumn("station"),
}


def _status(delay: Any, realtime: Any) -> str:
    if pd.isna(realtime):
        return "timetable only"
    if pd.isna(delay) or delay <= 0:
        return "on time"
    return f"late {delay:.0f} min"


def board(ctx: data.Context, frame: pd.DataFrame, station: str) -> None:
    if station != ALL:
        frame = frame[frame["station"] == station]
    base = pd.to_datetime(frame["base_departure"], utc=True)
    realtime = pd.to_datetime(frame["realtime_departure"], utc=True)
    expected = realtime.fillna(base)
    keep = (expected >= ctx.now - BOARD_PAST) & (base <= ctx.now + BOARD_AHEAD)
    frame, base, realtime, expected = frame[keep], base[keep], realtime[keep], expected[keep]
    order = expected.sort_values().index[:BOARD_ROWS]
    paris = data.PARIS
    shown = pd.DataFrame(
        {
            "scheduled": base[order].dt.tz_convert(paris).dt.strftime("%H:%M"),
            "expected": expected[order].dt.tz_convert(paris).dt.strftime("%H:%M"),
            "delay": frame.loc[order, "delay_minutes"],
            "status": [
                _status(d, r)
                for d, r in zip(frame.loc[order, "delay_minutes"], realtime[order], strict=True)
            ],
            "train": frame.loc[order, "train_number"],
            "network": frame.loc[order, "network"],
            "direction": frame.loc[order, "direction"],
            "station": frame.loc[order, "station"],
        }
    )
    st.subheader(f"Departure board: {station}")
    if shown.empty:
        st.info("No departure in the next three hours in the collected data.")
        return
    late = int((shown["delay"] > 0).sum())
    ui.table(
        shown,
        "departure-board",
        caption=f"Next {len(shown)} departures (Paris time), {late} announced late, as polled "
        f"by the collector. Source: {ctx.catalogue.credit('departures')}.",
        column_config=BOARD_COLUMNS,
        height=460,
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
    two.metric("Delayed", "-" if share is None else f"{share:.0%}")
    three.metric("Mean delay", "-" if mean is None else f"{mean:.1f} min")
    st.caption(
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
    frame = None
    station = ALL
    with ui.section("Station filter"):
        frame = data.latest(ctx, "departures")
        stations = sorted(s for s in frame["station"].dropna().unique())
        station = st.selectbox("Station", [ALL, *stations], key="departures-station") or ALL
    with ui.section("Punctuality"):
        punctuality(ctx, station)
    left, right = st.columns(2)
    with left, ui.section("Departures by network"):
        networks(ctx)
    with right, ui.section("Top destinations"):
        destinations(ctx)
    if frame is not None:
        with ui.section("Departure board"):
            board(ctx, frame, station)


ui.page(
    "Departures",
    "Trains leaving the Paris termini: SNCF real-time departures.",
    ("departures", "departures_total"),
    body,
)
