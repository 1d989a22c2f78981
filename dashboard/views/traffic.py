"""Traffic: the road sections by state, the congestion trend, today's congestion against the
usual day, fluidity by arrondissement, and the critical segments."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, filters, time_range, ui
from dashboard.views import usual_day

SEGMENT_COLUMNS = {
    # Narrow columns and short headers: the table shares the page's width with a chart.
    "label": st.column_config.TextColumn("road section", width="medium", pinned=True),
    "zone": st.column_config.TextColumn("zone", width="small"),
    "traffic_state": st.column_config.TextColumn("state", width="small"),
    "occupancy_k": st.column_config.NumberColumn(
        "occ. %", format="%.1f", width="small", help="share of the hour the loop was occupied"
    ),
    "flow_q": st.column_config.NumberColumn(
        "veh/h", format="%d", width="small", help="vehicles counted in the hour"
    ),
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


def traffic_map(ctx: data.Context, zones: list[str]) -> None:
    arcs, hour = arcs_now(ctx)
    kept = filters.apply(arcs, zones_kept=zones)
    end = data.parse_time(hour)
    drawn = sum(1 for a in kept.records if a.get("geometry"))
    where = kept.describe()
    stamp = ui.stamp(
        ctx,
        "traffic",
        "Road sections by traffic state",
        f"{drawn:,} road sections with a geometry, loop counters' hourly state"
        + (f" · {where}" if where else ""),
        f"hour ending {data.paris_time(end)} (Paris)",
    )
    arcs = kept.records
    ui.chart(charts.traffic_map(arcs, stamp), "traffic-map")


def segments(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Road sections as the tables show them, labels readable (``Av Champs Elysees``)."""
    frame = pd.DataFrame.from_records(rows).reindex(columns=list(SEGMENT_COLUMNS))
    frame["label"] = [charts.road_label(label) for label in frame["label"]]
    return frame


def congestion_trend(ctx: data.Context, chosen: time_range.TimeRange) -> None:
    # A short range puts each run at the hour it counted; long means bucket by the window.
    found = time_range.trend(
        ctx, "traffic_congestion_index", ["congestion_index"], chosen, time_field="data_hour"
    )
    if not found.times:
        raise data.NoData("No counted hour in the congestion index yet.")
    stamp = ui.stamp(
        ctx,
        "traffic_congestion_index",
        "Road congestion index",
        "analytic traffic_congestion_index: 0 all fluid, 100 all blocked",
        time_range.when(found, chosen, "hours"),
    )
    fig = charts.trend(
        found.times,
        found.values["congestion_index"],
        stamp,
        y_title="congestion index (0-100)",
        y_range=(0, 100),
    )
    ui.chart(fig, "traffic-congestion-trend")


def congestion_today(ctx: data.Context) -> None:
    """Today's congestion over the usual band of the same weekday (the Sytadin habit)."""
    usual_day.today_against_usual(
        ctx,
        "traffic_congestion_index",
        "congestion_index",
        title="Congestion today against a usual",
        what="today's hourly index",
        y_title="congestion index (0-100)",
        y_range=(0, 100),
        key="traffic-congestion-today",
    )


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
            f"{ui.MISSING if occupancy is None else f'{occupancy:.1f} %'}"
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


def critical(ctx: data.Context, zones: list[str]) -> None:
    point = data.gold_latest(ctx, "traffic_critical_segments")
    d = point["data"]
    hour = data.paris_time(data.parse_time(d.get("data_hour")))
    st.subheader("Critical road sections")
    # The counts are the city's (the analytic's own); the tables follow the filter.
    st.caption(
        f"{d.get('saturated', 0)} saturated, {d.get('blocked', 0)} blocked and "
        f"{d.get('closed', 0)} closed sections in Paris in the hour ending {hour} (Paris)."
    )
    credit = ctx.catalogue.credit("traffic_critical_segments")
    publishers = ui.credit(ctx, "traffic_critical_segments")
    kept = filters.apply(d.get("critical", []), zones_kept=zones)
    where = kept.describe()
    ui.table(
        segments(kept.records),
        "traffic-critical-segments",
        caption=f"Saturé and Bloqué open sections, most occupied first"
        f"{f' ({where})' if where else ''}. Source: {credit}.",
        column_config=SEGMENT_COLUMNS,
        credit=publishers,
        notes=[where] if where else (),
    )
    closed = filters.apply(d.get("closed_arcs", []), zones_kept=zones)
    if closed.records:
        shut = closed.describe()
        with st.expander(f"Closed sections ({len(closed.records)})"):
            ui.table(
                segments(closed.records),
                "traffic-closed-segments",
                caption=f"Sections closed to traffic (Barré), hour ending {hour}"
                f"{f' ({shut})' if shut else ''}. Source: {credit}.",
                column_config=SEGMENT_COLUMNS,
                credit=publishers,
                notes=[shut] if shut else (),
            )


def pick(ctx: data.Context) -> list[str]:
    """The arrondissements the reader asks for (the map and the tables follow them)."""
    arcs, _ = arcs_now(ctx)
    return filters.pick_zones(arcs, "traffic-arrondissement")


def body(ctx: data.Context) -> None:
    # The controls in a row of their own: the map's and the trend's titles stay level. The
    # filter applies to the map and the tables; the index and fluidity are city-wide.
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    zones: list[str] = []
    with left, ui.section("Traffic filters"):
        zones = pick(ctx)
    with right:
        chosen = time_range.control("traffic-range")
    left, right = st.columns([3, 2])
    with left, ui.section("Traffic map"):
        traffic_map(ctx, zones)
    with right:
        with ui.section("Congestion trend"):
            congestion_trend(ctx, chosen)
        with ui.section("Congestion today"):
            congestion_today(ctx)
    left, right = st.columns([3, 2])
    with left, ui.section("Fluidity by arrondissement"):
        fluidity(ctx)
    with right, ui.section("Critical segments"):
        critical(ctx, zones)


ui.page(
    "Traffic",
    "Paris roads hour by hour: the permanent loop counters of the Ville de Paris.",
    ("traffic", "traffic_congestion_index"),
    body,
)
