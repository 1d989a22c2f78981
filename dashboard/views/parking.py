"""Parking: the car parks on a map, the occupancy trend, prices by arrondissement, a table."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, ui

DURATIONS = ("1h", "2h", "3h", "4h", "24h")
TABLE_COLUMNS = {
    "name": st.column_config.TextColumn("car park"),
    "zone": st.column_config.TextColumn("zone"),
    "operator": st.column_config.TextColumn("operator"),
    "capacity_cars": st.column_config.NumberColumn("car places"),
    "free_places": st.column_config.NumberColumn("free"),
    "occupancy_rate": st.column_config.ProgressColumn(
        "occupied", min_value=0.0, max_value=1.0, format="percent"
    ),
    "price_1h": st.column_config.NumberColumn("1 h (€)", format="%.2f"),
    "price_24h": st.column_config.NumberColumn("24 h (€)", format="%.2f"),
    "availability": st.column_config.TextColumn("live count"),
    "observed": st.column_config.TextColumn("observed (Paris)"),
    "address": st.column_config.TextColumn("address"),
    "entity_id": st.column_config.TextColumn("id"),
}


def car_parks(ctx: data.Context) -> pd.DataFrame:
    records = data.latest_records(ctx, "parking")
    live = [str(r["observed_at"]) for r in records if r.get("availability") == "live"]
    newest = data.parse_time(max(live)) if live else None
    stamp = ui.stamp(
        ctx,
        "parking",
        "Car parks: where, how big, how full",
        f"{len(records)} car parks · size: car places · colour: occupied share of the live count",
        f"live counts as of {data.paris_time(newest)} (Paris)" if newest else "no live count",
    )
    ui.chart(charts.parking_map(records, stamp), "parking-map")
    return pd.DataFrame.from_records(records)


def occupancy_trend(ctx: data.Context) -> None:
    points = data.gold_series(ctx, "overall_occupancy_rate")
    times = [data.parse_time(p["window_end"]) for p in points]
    stamp = ui.stamp(
        ctx,
        "overall_occupancy_rate",
        "Car park occupancy, city-wide",
        "analytic overall_occupancy_rate: occupied share over the car parks reporting",
        f"{len(points)} runs, last {data.TREND_HOURS} h to {data.paris_time(times[-1])} (Paris)",
    )
    values = [p["data"].get("occupancy_rate") for p in points]
    fig = charts.trend(
        [t for t in times if t is not None],
        [v for t, v in zip(times, values, strict=True) if t is not None],
        stamp,
        y_title="occupied share",
        percent=True,
        y_range=(0, 1),
    )
    ui.chart(fig, "parking-occupancy-trend")


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
    stamp = ui.stamp(
        ctx,
        "reference_pricing",
        f"Price of {duration} of parking by arrondissement",
        f"analytic reference_pricing: {d.get('car_parks_priced', 0)} car parks priced"
        f" · city median {city.get('median_eur', '-')} €",
        f"prices as of {data.paris_time(observed)} (Paris)",
    )
    ui.chart(
        charts.prices_by_zone(zones, duration, stamp, city_median=city.get("median_eur")),
        "parking-prices",
    )


def table(ctx: data.Context, frame: pd.DataFrame) -> None:
    shown = frame.reindex(columns=[c for c in TABLE_COLUMNS if c != "observed"] + ["observed_at"])
    shown["observed"] = [data.paris_time(data.parse_time(t)) for t in shown.pop("observed_at")]
    shown = shown.sort_values("occupancy_rate", ascending=False, na_position="last")
    ui.table(
        shown[list(TABLE_COLUMNS)],
        "car-parks",
        caption=f"Latest record of each car park. Source: {ctx.catalogue.credit('parking')}.",
        column_config=TABLE_COLUMNS,
        height=420,
    )


def body(ctx: data.Context) -> None:
    left, right = st.columns([3, 2])
    frame = None
    with left, ui.section("Car park map"):
        frame = car_parks(ctx)
    with right:
        with ui.section("Occupancy trend"):
            occupancy_trend(ctx)
        with ui.section("Prices"):
            prices(ctx)
    if frame is not None:
        with ui.section("Car park table"):
            table(ctx, frame)


ui.page(
    "Parking",
    "Paris car parks: capacity, live free places (SAEMES counters) and prices.",
    ("parking", "overall_occupancy_rate"),
    body,
)
