"""Parking: the car parks on a map, the occupancy trend, today against the usual day, the
hour-of-week profile, prices by arrondissement, a table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, filters, time_range, ui
from dashboard.views import usual_day

DURATIONS = ("1h", "2h", "3h", "4h", "24h")
PERIODS = {"1 week": 7, "4 weeks": 28, "12 weeks": 84, "1 year": 365}
DEFAULT_PERIOD = "4 weeks"
LIVE, STALE, NO_COUNT = "live", "stale", "none"
COUNT_HELP = (
    f"{LIVE}: a current live count; {STALE}: the count is {data.STALE_FACTOR:g} intervals "
    f"older than the newest one collected, or the collector itself is stale, or the "
    f"publisher's count was already old; {NO_COUNT}: this car park has no live counter"
)
TABLE_COLUMNS = {
    "name": st.column_config.TextColumn("car park", width="medium", pinned=True),
    "zone": st.column_config.TextColumn("zone", width="small"),
    "operator": st.column_config.TextColumn("operator", width="small"),
    "capacity_cars": st.column_config.NumberColumn("places", width="small"),
    "free_places": st.column_config.NumberColumn("free", width="small"),
    "occupancy_rate": st.column_config.ProgressColumn(
        "occupied", min_value=0.0, max_value=1.0, format="percent", width="small"
    ),
    "count": st.column_config.TextColumn("count", width="small", help=COUNT_HELP),
    "observed_at": st.column_config.DatetimeColumn(
        "as of",
        format="D MMM HH:mm",
        timezone="Europe/Paris",
        width="small",
        help="the live count's time, or the reference's for a car park with none (Paris time)",
    ),
    "price_1h": st.column_config.NumberColumn("1 h €", format="%.2f", width="small"),
    "price_24h": st.column_config.NumberColumn("24 h €", format="%.2f", width="small"),
}
# Columns the CSV has beyond those on screen (the address is in the map's hover). No
# docstring here: Streamlit would draw a bare string of a page script on the page.
CSV_ALSO = (
    "entity_id",
    "address",
    "arrondissement",
    "price_2h",
    "price_3h",
    "price_4h",
    "lat",
    "lon",
)


def count_state(
    record: dict[str, Any],
    last_success: datetime | None,
    newest_count: datetime | None,
    interval_s: float,
    now: datetime,
) -> str:
    """:data:`LIVE`, :data:`STALE` or :data:`NO_COUNT`: whether a car park's free places are
    a current count, by the read layer's rule (no news for 2.5 intervals is stale)."""
    if record.get("availability") != "live" or record.get("free_places") is None:
        return NO_COUNT
    counted = data.parse_time(record.get("observed_at"))
    if counted is None or "stale" in (record.get("flags") or ()):
        return STALE  # the publisher's count was over an hour old when fetched
    limit = timedelta(seconds=data.STALE_FACTOR * interval_s)
    if last_success is None or now - last_success > limit:
        return STALE  # the collector itself is stale: no count is known to be current
    # A counter that stopped while the others moved on. Measured from the source's newest
    # count, not from now: the publisher's own lag and the dashboard's cache are no alarm.
    newest = newest_count or last_success
    return STALE if newest - counted > limit else LIVE


def with_counts(ctx: data.Context, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records, each with its ``count`` state."""
    judged = data.source_status(ctx, "parking")
    last = data.parse_time(judged.state.last_success_at)
    newest = data.parse_time(judged.state.data_freshness)
    return [
        {**r, "count": count_state(r, last, newest, judged.interval_s, ctx.now)} for r in records
    ]


def pick(ctx: data.Context) -> filters.Kept:
    """The car parks the reader asks for: by arrondissement and by operator."""
    records = with_counts(ctx, data.latest_records(ctx, "parking"))
    where, who = st.columns(2)
    with where:
        zones = filters.pick_zones(records, "parking-arrondissement")
    with who:
        operators = filters.pick_values(records, "operator", "Operator", "parking-operator")
    return filters.apply(records, zones_kept=zones, field_kept={"operator": operators})


def car_map(ctx: data.Context, kept: filters.Kept) -> None:
    records = kept.records
    live = [str(r["observed_at"]) for r in records if r["count"] == LIVE]
    newest = data.parse_time(max(live)) if live else None
    stale = sum(1 for r in records if r["count"] == STALE)
    stamp = ui.stamp(
        ctx,
        "parking",
        "Car parks: where, how big, how full",
        f"{len(records)} car parks · size: car places · colour: occupied share of the live count"
        + (f" · {stale} stale counts shown as unknown" if stale else ""),
        f"live counts as of {data.paris_time(newest)} (Paris)" if newest else "no live count",
    )
    # A stale count is no news of how full the car park is now: it is drawn as unknown.
    drawn = [
        r if r["count"] == LIVE else {**r, "occupancy_rate": None, "free_places": None}
        for r in records
    ]
    ui.chart(charts.parking_map(drawn, stamp), "parking-map")


def occupancy_trend(ctx: data.Context, chosen: time_range.TimeRange) -> None:
    found = time_range.trend(ctx, "overall_occupancy_rate", ["occupancy_rate"], chosen)
    stamp = ui.stamp(
        ctx,
        "overall_occupancy_rate",
        "Car park occupancy, city-wide",
        "analytic overall_occupancy_rate: occupied share over the car parks reporting",
        time_range.when(found, chosen),
    )
    fig = charts.trend(
        found.times,
        found.values["occupancy_rate"],
        stamp,
        y_title="occupied share",
        percent=True,
        y_range=(0, 1),
    )
    ui.chart(fig, "parking-occupancy-trend")


def occupancy_today(ctx: data.Context) -> None:
    usual_day.today_against_usual(
        ctx,
        "overall_occupancy_rate",
        "occupancy_rate",
        title="Occupancy today against a usual",
        what="today's hourly occupied share",
        y_title="occupied share",
        y_range=(0, 1),
        key="parking-occupancy-today",
        percent=True,
    )


def week_profile(ctx: data.Context) -> None:
    # Every car park's own hourly mean, then their mean: the lake's parking table, so a
    # counter that reports more often does not weigh more.
    period = (
        st.segmented_control(
            "Period", list(PERIODS), default=DEFAULT_PERIOD, key="parking-week-period"
        )
        or DEFAULT_PERIOD
    )
    days = PERIODS[period]
    rows = data.hour_of_week(ctx, "parking", "occupancy_rate", days=days)
    covered = max(int(r.get("days") or 0) for r in rows)
    stamp = ui.stamp(
        ctx,
        "parking",
        "Car park occupancy by hour of the week",
        f"mean occupied share of the car parks with a live count, per weekday and hour "
        f"(Paris time), from the lake: up to {covered} weeks per cell",
        f"last {period} to {data.paris_time(ctx.now)} (Paris)",
    )
    fig = charts.week_heatmap(rows, stamp, label="occupied", percent=True)
    ui.chart(fig, "parking-week-heatmap")


def prices(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "reference_pricing")
    d = point["data"]
    duration = (
        st.segmented_control("Parking duration", DURATIONS, default="1h", key="price-duration")
        or "1h"
    )
    zones = [z for z in d.get("by_zone", []) if z.get("arrondissement") is not None]
    city: dict[str, Any] = next((s for s in d.get("city", []) if s.get("duration") == duration), {})
    observed = data.parse_time(d.get("observed_to"))
    median = city.get("median_eur")
    stamp = ui.stamp(
        ctx,
        "reference_pricing",
        f"Price of {duration} of parking by arrondissement",
        f"analytic reference_pricing: {d.get('car_parks_priced', 0)} car parks priced"
        f" · city median {ui.MISSING if median is None else median} €",
        f"prices as of {data.paris_time(observed)} (Paris)",
    )
    ui.chart(
        charts.prices_by_zone(zones, duration, stamp, city_median=city.get("median_eur")),
        "parking-prices",
    )


def table(ctx: data.Context, kept: filters.Kept) -> None:
    frame = pd.DataFrame.from_records(kept.records)
    frame = frame.reindex(columns=[*TABLE_COLUMNS, *CSV_ALSO])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True, format="ISO8601")
    frame = frame.sort_values("occupancy_rate", ascending=False, na_position="last")
    stale = int((frame["count"] == STALE).sum())
    where = kept.describe()
    ui.table(
        frame,
        "car-parks",
        caption=f"Latest record of each car park{f' ({where})' if where else ''}"
        f"{f'; {stale} with a stale count' if stale else ''}. "
        f"Source: {ctx.catalogue.credit('parking')}.",
        column_config=TABLE_COLUMNS,
        shown=list(TABLE_COLUMNS),
        height=420,
        credit=ui.credit(ctx, "parking"),
        notes=[where] if where else (),
    )


def body(ctx: data.Context) -> None:
    # The controls in a row of their own: the map's and the trend's titles stay level. The
    # filters apply to the map, the table and its CSV; the trend and prices are city-wide.
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    kept = None
    with left, ui.section("Car park filters"):
        kept = pick(ctx)
    with right:
        chosen = time_range.control("parking-range")
    left, right = st.columns([3, 2])
    with left, ui.section("Car park map"):
        if kept is not None:
            car_map(ctx, kept)
    with right:
        with ui.section("Occupancy trend"):
            occupancy_trend(ctx, chosen)
        with ui.section("Prices"):
            prices(ctx)
    left, right = st.columns(2)
    with left, ui.section("Occupancy today"):
        occupancy_today(ctx)
    with right, ui.section("Occupancy by hour of the week"):
        week_profile(ctx)
    if kept is not None:
        with ui.section("Car park table"):
            table(ctx, kept)


ui.page(
    "Parking",
    "Paris car parks: capacity, live free places (SAEMES counters) and prices.",
    ("parking", "overall_occupancy_rate"),
    body,
)
