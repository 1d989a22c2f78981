"""Overview: the headline numbers of the gold layer, and how fresh each source is."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data, navigation, plugin_info, ui
from readlayer.status import duration

HEADLINES = (
    "overall_occupancy_rate",
    "number_of_parkings_in_operation",
    "traffic_congestion_index",
    "departures_total",
)
PER_ROW = 4


def _previous(ctx: data.Context, name: str, field: str) -> float | None:
    """``field`` of the point before the newest, for the metric's change."""
    try:
        points = data.gold_series(ctx, name)
    except data.NoData:
        return None
    value: Any = points[-2]["data"].get(field) if len(points) > 1 else None
    return float(value) if isinstance(value, int | float) else None


def _delta(now: float | None, before: float | None, scale: float = 1.0) -> float | None:
    return None if now is None or before is None else round((now - before) * scale, 1)


def occupancy(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "overall_occupancy_rate")
    d, before = point["data"], _previous(ctx, "overall_occupancy_rate", "occupancy_rate")
    rate = d.get("occupancy_rate")
    st.metric(
        "Car park occupancy",
        ui.MISSING if rate is None else f"{rate:.0%}",
        delta=_delta(rate, before, 100),
        delta_color="inverse",
        delta_description="points since the previous run",
        help="Share of occupied car places over the car parks reporting a fresh live count.",
    )
    st.caption(
        f"{d.get('car_parks_used', 0)} of {d.get('car_parks_total', 0)} car parks, "
        f"{d.get('free_places', 0):,} free places · {ui.window(point)}"
    )


def in_operation(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "number_of_parkings_in_operation")
    d = point["data"]
    st.metric(
        "Car parks reporting",
        f"{d.get('in_operation', 0)} / {d.get('car_parks_total', 0)}",
        help="Car parks with a fresh, plausible live count of free places.",
    )
    share = d.get("share_in_operation")
    st.caption(
        f"{ui.MISSING if share is None else f'{share:.0%}'} in operation · {ui.window(point)}"
    )


def congestion(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "traffic_congestion_index")
    d, before = point["data"], _previous(ctx, "traffic_congestion_index", "congestion_index")
    index = d.get("congestion_index")
    st.metric(
        "Road congestion index",
        ui.MISSING if index is None else f"{index:.1f} / 100",
        delta=_delta(index, before),
        delta_color="inverse",
        delta_description="since the previous hour",
        help="0 = every measured road section flows freely, 100 = every one is blocked.",
    )
    hour = data.parse_time(d.get("data_hour"))
    st.caption(
        f"{d.get('arcs_rated', 0):,} road sections rated · hour ending "
        f"{data.paris_time(hour)} (Paris)"
    )


def departures(ctx: data.Context) -> None:
    point = data.gold_latest(ctx, "departures_total")
    total = point["data"].get("total", {})
    share = total.get("share_delayed")
    st.metric(
        "Train departures, 24 h",
        f"{total.get('departures', 0):,}",
        help="Departures from the polled stations over the last 24 hours.",
    )
    mean = total.get("mean_delay_minutes")
    st.caption(
        f"{ui.MISSING if share is None else f'{share:.0%}'} delayed, mean delay "
        f"{ui.MISSING if mean is None else f'{mean:.1f} min'} · {ui.window(point)}"
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ui.MISSING
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def headline(ctx: data.Context, facts: plugin_info.PluginFacts | None, name: str) -> None:
    """An analytic with no hand-made headline: its first numeric field, newest run."""
    point = data.gold_latest(ctx, name)
    d = point["data"]
    fields = plugin_info.numeric_fields(facts.schemas.get(name, {})) if facts else []
    field = next((f for f in fields if f in d), None)
    st.metric(
        name,
        _shown(d.get(field)) if field else ui.MISSING,
        help=ui.escape(facts.description) if facts and facts.description else None,
    )
    st.caption(f"{field or 'no numeric field'} · {ui.window(point)}")


def other_analytics(ctx: data.Context) -> list[str]:
    """The analytics with a page of their own (generic or shipped), not a fixed headline."""
    known = plugin_info.plugins(ctx.settings.plugin_dir)
    listed = navigation.plugin_pages(ctx.catalogue, known)[navigation.ANALYTICS]
    return [name for name in listed if name not in HEADLINES]


def more(ctx: data.Context) -> None:
    names = other_analytics(ctx)
    if not names:
        return
    st.subheader("More analytics")
    known = plugin_info.plugins(ctx.settings.plugin_dir).analytics
    for start in range(0, len(names), PER_ROW):
        row = names[start : start + PER_ROW]
        for column, name in zip(st.columns(PER_ROW), row, strict=False):
            with column, ui.section(name):
                headline(ctx, known.get(name), name)


def sources(ctx: data.Context) -> None:
    st.subheader("Sources")
    rows = data.freshness(ctx)
    if not rows:
        st.info("No source is installed.")
        return
    for column, item in zip(st.columns(len(rows)), rows, strict=True):
        with column, st.container(border=True):
            st.markdown(f"**{ui.escape(item.source)}**")
            ui.badge(item.status)
            st.caption(
                f"last update {data.age(item.last_success, ctx.now)}"
                f" · data up to {data.paris_time(item.data_up_to)}"
                f" · {objective_text(item)}"
            )
    frame = pd.DataFrame(
        [
            {
                "source": r.source,
                "status": r.status,
                "last success (Paris)": data.paris_time(r.last_success, seconds=True),
                "data up to (Paris)": data.paris_time(r.data_up_to),
                "interval (s)": r.interval_s,
                "data age (s)": None if r.data_age_s is None else round(r.data_age_s),
                "objective (s)": r.objective_s,
                "data": r.freshness,
                "detail": r.detail,
            }
            for r in rows
        ]
    )
    ui.table(
        frame,
        "sources-freshness",
        caption="Stale: no successful run within 2.5 intervals. Data stale: the newest data is"
        " older than the source's freshness objective (the runs may still succeed)."
        " Times are Paris time.",
    )


def objective_text(item: data.Freshness) -> str:
    """The data's verdict against its objective, in words: "data fresh (objective 60 h)"."""
    objective = duration(item.objective_s)
    if item.data_age_s is None:
        return f"no data yet (objective {objective})"
    verdict = "data STALE" if item.freshness == "stale" else "data fresh"
    return f"{verdict} (objective {objective})"


def enabled(ctx: data.Context) -> None:
    st.subheader("What is enabled")
    cat = ctx.catalogue
    try:
        saved = data.states(ctx)
    except data.Unavailable:  # already said above; the settings alone still tell a lot
        saved = {}
    reasons = {s.name: data.disabled_reason(s, saved.get(s.name, {})) for s in cat.sources.values()}
    frame = pd.DataFrame(
        [
            {
                "kind": "source",
                "name": s.name,
                "enabled": reasons[s.name] is None,
                "interval (s)": s.interval_s,
                "note": reasons[s.name] or s.description,
                "publisher": s.attribution,
                "licence": s.licence,
            }
            for s in cat.sources.values()
        ]
        + [
            {
                "kind": "analytic",
                "name": a.name,
                "enabled": a.enabled,
                "interval (s)": a.interval_s,
                "note": a.description,
                "publisher": cat.credit(a.name),
                "licence": "",
            }
            for a in cat.aggregations.values()
        ]
    )
    where = (
        f"local files and SQLite in {ctx.settings.data_dir}"
        if ctx.settings.storage == "local"
        else f"AWS, tables {ctx.settings.table_prefix}*"
    )
    ui.table(frame, "plugins", caption=f"Storage: {where}. Map base: {charts.tiles()}.")


METRICS = (
    ("Car park occupancy", occupancy),
    ("Car parks reporting", in_operation),
    ("Road congestion index", congestion),
    ("Train departures", departures),
)


def body(ctx: data.Context) -> None:
    for column, (label, show) in zip(st.columns(len(HEADLINES)), METRICS, strict=True):
        with column, ui.section(label):
            show(ctx)
    with ui.section("More analytics"):
        more(ctx)
    with ui.section("Sources"):
        sources(ctx)


ui.page(
    "Overview",
    "Paris now: car parks, road traffic and train departures, from the platform's analytics.",
    HEADLINES,
    body,
    footer=enabled,
)
