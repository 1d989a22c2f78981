"""The page of a source or an analytic that has none of its own, drawn from its schema.

A source: per dataset, the latest snapshot as a table; a map when its records carry
coordinates (``lat``/``lon``), records per arrondissement when they carry an ``arrondissement``
instead. An analytic: each numeric field of its output as a trend over its gold series, and the
list fields of its newest point as tables. Both: the source's freshness and the publisher's
licence.

Not a page script: :mod:`dashboard.navigation` mounts :func:`source_page` and
:func:`analytic_page` as one page per plugin.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from collector.geo import arrondissement_label
from dashboard import charts, data, filters, plugin_info, time_range, ui
from dashboard.plugin_pages import PageError, find_page

Body = Callable[[data.Context], None]
TRENDS_SHOWN = 8
"""Numeric fields trended by default; the reader may pick others."""
TABLE_HEIGHT = 420
OUTSIDE = "outside Paris or unknown"


# shared parts -------------------------------------------------------------------------------
def freshness(ctx: data.Context, sources: Iterable[str]) -> None:
    """One line per source: its status, when it last succeeded, how recent its data is."""
    wanted = set(sources)
    rows = [f for f in data.freshness(ctx) if f.source in wanted]
    if not rows:
        st.caption("Freshness unknown: no source of this data is installed.")
    for item in rows:
        left, right = st.columns([1, 5], vertical_alignment="center")
        with left:
            ui.badge(item.status)
        # Markdown for the name's weight only: the rest (an upstream's error text) is data.
        right.caption(
            f"**{ui.escape(item.source)}**: "
            + ui.escape(
                f"last update {data.age(item.last_success, ctx.now)}, data up to"
                f" {data.paris_time(item.data_up_to)} (Paris) · {item.detail}"
            )
        )


def licence(ctx: data.Context, name: str) -> None:
    ui.note(f"Data: {ctx.catalogue.credit(name)}.")


def _cell(value: Any) -> Any:
    # Lists and objects become JSON text: a table column must hold one kind of value.
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def _frame(records: Sequence[Mapping[str, Any]], schema: Mapping[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records([{k: _cell(v) for k, v in r.items()} for r in records])
    order = [c for c in plugin_info.properties(schema) if c in frame.columns]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    # Times as times: shown in Paris time, sorted as times, written ISO 8601 in the CSV.
    for name in plugin_info.time_fields(schema):
        if name in frame.columns:
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601", errors="coerce")
    return frame.sort_values("entity_id") if "entity_id" in frame.columns else frame


def _widths(frame: pd.DataFrame) -> dict[str, Any]:
    """Numbers and flags need little room: the columns on the right stay in view."""
    return {
        str(name): st.column_config.Column(width="small")
        for name in frame.columns
        if pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(frame[name])
    }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None  # a flag is not a quantity; NaN is no value
    return float(value)


def _as_of(records: Iterable[Mapping[str, Any]]) -> str:
    newest = max((str(r.get("observed_at") or "") for r in records), default="")
    return f"latest records as of {data.paris_time(data.parse_time(newest))} (Paris)"


# a source -----------------------------------------------------------------------------------
def records_map(
    ctx: data.Context, dataset: str, records: list[dict[str, Any]], schema: Mapping[str, Any]
) -> None:
    where = plugin_info.coordinates(schema)
    if where is None:
        return
    lat, lon = where
    placed = [r for r in records if r.get(lat) is not None and r.get(lon) is not None]
    if not placed:
        ui.say(st.info, f"No {dataset} record has coordinates yet.")
        return
    colours = [
        f for f in plugin_info.numeric_fields(schema) if f not in (lat, lon, "arrondissement")
    ]
    colour = (
        st.selectbox("Colour by", colours, key=f"{dataset}-colour", index=0) if colours else None
    )
    stamp = ui.stamp(
        ctx,
        dataset,
        f"{dataset}: where",
        f"{len(placed)} of {len(records)} records with coordinates"
        + (f" · colour: {colour}" if colour else ""),
        _as_of(placed),
    )
    fig = charts.points_map(placed, stamp, lat=lat, lon=lon, colour=colour, label=_label(schema))
    ui.chart(fig, f"{dataset}-map")


def _label(schema: Mapping[str, Any]) -> str:
    props = plugin_info.properties(schema)
    return next((f for f in ("name", "label", "station") if f in props), "entity_id")


def by_arrondissement(ctx: data.Context, dataset: str, records: list[dict[str, Any]]) -> None:
    counts: dict[str, int] = {}
    for number in sorted(
        (filters.arrondissement_of(r) for r in records), key=lambda n: (n is None, n or 0)
    ):
        label = arrondissement_label(number) if number else OUTSIDE
        counts[label] = counts.get(label, 0) + 1
    stamp = ui.stamp(
        ctx,
        dataset,
        f"{dataset}: records by arrondissement",
        f"{len(records)} latest records",
        _as_of(records),
    )
    fig = charts.bars(list(counts), list(counts.values()), stamp, x_title="records")
    ui.chart(fig, f"{dataset}-arrondissements")


def located(ctx: data.Context, dataset: str, schema: Mapping[str, Any]) -> filters.Kept:
    """The latest records, those of the arrondissements the reader picks when the records say
    where they are (an ``arrondissement`` field, or ``lat``/``lon``)."""
    records = data.latest_records(ctx, dataset)
    where = plugin_info.coordinates(schema)
    if where is None and not plugin_info.has_arrondissement(schema):
        return filters.apply(records)
    lat, lon = where or ("lat", "lon")
    chosen = filters.pick_zones(records, f"{dataset}-arrondissement", lat, lon)
    return filters.apply(records, zones_kept=chosen, lat=lat, lon=lon)


def snapshot(ctx: data.Context, dataset: str, schema: Mapping[str, Any]) -> None:
    kept = located(ctx, dataset, schema)
    records = kept.records
    if plugin_info.coordinates(schema) is not None:
        records_map(ctx, dataset, records, schema)
    elif plugin_info.has_arrondissement(schema):
        by_arrondissement(ctx, dataset, records)
    frame = _frame(records, schema)
    where = kept.describe()
    ui.table(
        frame,
        f"{dataset}-latest",
        caption=f"Latest record of each of the {len(records)} entities of {dataset}"
        f"{f' ({where})' if where else ''}. Source: {ctx.catalogue.credit(dataset)}.",
        column_config=_widths(frame),
        height=TABLE_HEIGHT,
        credit=ui.credit(ctx, dataset),
        notes=[where] if where else (),
    )


def source_body(facts: plugin_info.PluginFacts | None, ctx: data.Context, name: str) -> None:
    info = ctx.catalogue.sources.get(name)
    datasets = info.datasets if info else tuple(facts.schemas if facts else ())
    with ui.section("Freshness"):
        freshness(ctx, (name,))
    for dataset in datasets:
        schema = facts.schemas.get(dataset, {}) if facts else {}
        with ui.section(dataset):
            if len(datasets) > 1:  # one dataset is the page's own title already
                st.subheader(ui.escape(dataset))
            snapshot(ctx, dataset, schema)


# an analytic --------------------------------------------------------------------------------
def trends(ctx: data.Context, name: str, schema: Mapping[str, Any]) -> None:
    chosen = time_range.control(f"{name}-range")
    fields = plugin_info.numeric_fields(schema) or _fields_of(ctx, name)
    if not fields:
        ui.say(st.info, f"{name} has no numeric field to follow over time.")
        return
    shown = (
        st.multiselect("Fields", fields, default=fields[:TRENDS_SHOWN], key=f"{name}-fields")
        or fields[:1]
    )
    found = time_range.trend(ctx, name, shown, chosen)
    described = plugin_info.properties(schema)
    columns = st.columns(2)
    for i, field in enumerate(shown):
        stamp = ui.stamp(
            ctx,
            name,
            f"{name}: {field}",
            str(described.get(field, {}).get("description") or f"analytic {name}"),
            time_range.when(found, chosen),
        )
        fig = charts.trend(found.times, found.values[field], stamp, y_title=field)
        with columns[i % 2]:
            ui.chart(fig, f"{name}-trend-{field}")


def _fields_of(ctx: data.Context, name: str) -> list[str]:
    """An analytic with no known schema: the numeric fields of its newest run."""
    newest = data.gold_latest(ctx, name)["data"]
    return sorted(k for k, v in newest.items() if _number(v) is not None)


def latest_lists(ctx: data.Context, name: str) -> None:
    """The newest point's lists of objects (per zone, per station...) as tables."""
    point = data.gold_latest(ctx, name)
    for field, value in point["data"].items():
        if not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
            continue
        st.subheader(ui.escape(field))
        frame = pd.DataFrame.from_records([{k: _cell(v) for k, v in row.items()} for row in value])
        ui.table(
            frame,
            f"{name}-{field}",
            caption=f"{field} of the newest run, {ui.window(point)}. "
            f"Source: {ctx.catalogue.credit(name)}.",
            column_config=_widths(frame),
            credit=ui.credit(ctx, name),
        )


def analytic_body(facts: plugin_info.PluginFacts | None, ctx: data.Context, name: str) -> None:
    info = ctx.catalogue.aggregations.get(name)
    schema = facts.schemas.get(name, {}) if facts else {}
    with ui.section("Freshness"):
        sources = dict.fromkeys(d.split(".", 1)[0] for d in (info.inputs if info else ()))
        freshness(ctx, sources)
        if info is not None and not info.enabled:
            ui.note(f"{name} is switched off in these settings.")
    with ui.section("Trends"):
        trends(ctx, name, schema)
    with ui.section("Newest run"):
        latest_lists(ctx, name)


# mounting -----------------------------------------------------------------------------------
def _mount(
    facts: plugin_info.PluginFacts | None,
    name: str,
    shows: Sequence[str],
    generic: Callable[[plugin_info.PluginFacts | None, data.Context, str], None],
    sources: Callable[[data.Context], Iterable[str]],
) -> None:
    description = facts.description if facts else ""
    problem = None
    try:
        own = find_page(facts.package if facts else None)
    except PageError as exc:
        own, problem = None, f"{name}'s own page could not be mounted: {exc}."

    def body(ctx: data.Context) -> None:
        if problem:
            ui.say(st.warning, f"{problem} The generic page is shown; the details are in the log.")
        if own is None:
            generic(facts, ctx, name)
            return
        with ui.section("Freshness"):
            freshness(ctx, sources(ctx))
        with ui.section(name):
            own.render(ctx)

    title = own.title if own and own.title else name
    ui.page(title, description, shows, body, footer=lambda ctx: licence(ctx, name))


def source_page(facts: plugin_info.PluginFacts | None, name: str) -> None:
    """The page of source ``name``: its own ``page.py`` if it ships one, the generic one else."""
    shows = tuple(facts.schemas) if facts else (name,)
    _mount(facts, name, shows, source_body, lambda ctx: (name,))


def analytic_page(facts: plugin_info.PluginFacts | None, name: str) -> None:
    """The page of analytic ``name``: its own ``page.py`` if it ships one, the generic one else."""

    def sources(ctx: data.Context) -> Iterable[str]:
        info = ctx.catalogue.aggregations.get(name)
        return dict.fromkeys(d.split(".", 1)[0] for d in (info.inputs if info else ()))

    _mount(facts, name, (name,), analytic_body, sources)
