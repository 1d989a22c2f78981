"""Traffic: the road sections by state, the congestion trend, fluidity by arrondissement, and
the critical segments."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, time_range, ui

SEGMENT_COLUMNS = {
    "label": st.column_config.TextColumn("road section"),
    "zone": st.column_config.TextColumn("zone"),
    "traffic_state": st.column_config.TextColumn("state"),
    "occupancy_k": st.column_config.NumberColumn("occupancy (%)", format="%.1f"),
    "flow_q": st.column_config.NumberColumn("flow (veh/h)", format="%d"),
    "arc_status": st.column_config.TextColumn("status"),
    "entity_id": st.column_config.TextColumn("arc id"),
}


def arcs_now(ctx: data.Context) -> tuple[list[dict[str, Any]], str | None]:
    """Each arc's geometry with its state in the newest counted hour (``Inconnu`` if no count)."""
    counts = {r["entity_id"]: r for r in data.latest_records(ctx, "traffic")}
    reference = data.latest_records(ctx, "traffic.arcs")
    hour = max((str(r.get("observed_at")) for r in counts.values()), default=None)
    joined = []
    for arc in reference:
        count = counts.get(arc["entity_id"])
        if count is not None and count.get("observed_at") == hour:
            joined.append({**arc, **count})
        else:
            joined.append({**arc, "traffic_state": "Inconnu"})
    return joined, hour


def traffic_map(ctx: data.Context) -> None:
    arcs, hour = arcs_now(ctx)
    end = data.parse_time(hour)
    drawn = sum(1 for a in arcs if a.get("geometry"))
    stamp = ui.stamp(
        ctx,
        "traffic",
        "Road sections by traffic state",
        f"{drawn:,} road sections with a geometry, loop counters' hourly state",
        f"hour ending {data.paris_time(end)} (Paris)",
    )
    ui.chart(charts.traffic_map(arcs, stamp), "traffic-map")


def segments(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Road sections as the tables show them, labels readable (``Av Champs Elysees``)."""
    frame = pd.DataFrame.from_records(rows).reindex(columns=list(SEGMENT_COLUMNS))
    frame["label"] = [charts.road_label(label) for label in frame["label"]]
    return frame


def congestion_trend(ctx: data.Context, chosen: time_range.TimeRange) -> None:
    points = time_range.series(ctx, "traffic_congestion_index", chosen)
    pairs = []
    for p in points:
        hour = data.parse_time(p["data"].get("data_hour") or p["window_end"])
        if hour is not None:
            pairs.append((hour, p["data"]))
    if not pairs:
        raise data.NoData("No counted hour in the congestion index yet.")
    stamp = ui.stamp(
        ctx,
        "traffic_congestion_index",
        "Road congestion index",
        "analytic traffic_congestion_index: 0 all fluid, 100 all blocked",
        f"{chosen.describe()}: {len(pairs)} hours ending {data.paris_time(pairs[0][0])} to "
        f"{data.paris_time(pairs[-1][0])} (Paris)",
    )
    fig = charts.trend(
        [t for t, _ in pairs],
        [d.get("congestion_index") for _, d in pairs],
        stamp,
        y_title="congestion index (0-100)",
        y_range=(0, 100),
    )
    ui.chart(fig, "traffic-congestion-trend")


def fluidity(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "traffic_fluidity_by_zone")
    d = point["data"]
    values: dict[int, float] = {}
    hover: dict[int, str] = {}
    for zone in d.get("zones", []):
        number, share = zone.get("arrondissement"), zone.get("share_fluid")
        if number is None or share is None:
            continue
        values[int(number)] = round(100 * share, 1)
        occupancy = zone.get("mean_occupancy_k")
        hover[int(number)] = (
            f"<b>{zone.get('zone')}</b><br>{100 * share:.0f} % of {zone.get('arcs_rated')} rated"
            f" sections fluid<br>mean occupancy "
            f"{'-' if occupancy is None else f'{occupancy:.1f} %'}"
        )
    if not values:
        raise data.NoData("No arrondissement has a rated road section in the latest hour.")
    stamp = ui.stamp(
        ctx,
        "traffic_fluidity_by_zone",
        "Fluid road sections by arrondissement",
        "analytic traffic_fluidity_by_zone: share of rated sections in state Fluide",
        f"hour ending {data.paris_time(data.parse_time(d.get('data_hour')))} (Paris)",
    )
    ui.chart(charts.zone_choropleth(values, hover, stamp, label="fluid %"), "traffic-fluidity")


def critical(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "traffic_critical_segments")
    d = point["data"]
    hour = data.paris_time(data.parse_time(d.get("data_hour")))
    st.subheader("Critical road sections")
    st.caption(
        f"{d.get('saturated', 0)} saturated, {d.get('blocked', 0)} blocked and "
        f"{d.get('closed', 0)} closed sections in the hour ending {hour} (Paris)."
    )
    credit = ctx.catalogue.credit("traffic_critical_segments")
    frame = segments(d.get("critical", []))
    ui.table(
        frame,
        "traffic-critical-segments",
        caption=f"Saturé and Bloqué open sections, most occupied first. Source: {credit}.",
        column_config=SEGMENT_COLUMNS,
    )
    closed = d.get("closed_arcs", [])
    if closed:
        with st.expander(f"Closed sections ({len(closed)})"):
            ui.table(
                segments(closed),
                "traffic-closed-segments",
                caption=f"Sections closed to traffic (Barré), hour ending {hour}. "
                f"Source: {credit}.",
                column_config=SEGMENT_COLUMNS,
            )


def body(ctx: data.Context) -> None:
    # Above the row, not above the trend: the map's and the trend's titles stay level.
    chosen = time_range.control("traffic-range")
    left, right = st.columns([3, 2])
    with left, ui.section("Traffic map"):
        traffic_map(ctx)
    with right, ui.section("Congestion trend"):
        congestion_trend(ctx, chosen)
    left, right = st.columns([3, 2])
    with left, ui.section("Fluidity by arrondissement"):
        fluidity(ctx)
    with right, ui.section("Critical segments"):
        critical(ctx)


ui.page(
    "Traffic",
    "Paris roads hour by hour: the permanent loop counters of the Ville de Paris.",
    ("traffic", "traffic_congestion_index"),
    body,
)
