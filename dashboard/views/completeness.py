"""Completeness: every source's slots by state (ok, partial, late, missing) over a time range,
then each traffic arc's reporting rate on the map and the arcs that report least.

The entries, the missing slots and the rates are the read layer's
(:mod:`readlayer.completeness`), the same as the API's ``/completeness``; this page only
draws them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from collector import keys
from collector.ledger.slots import complete_share
from dashboard import charts, data, time_range, ui
from dashboard import completeness_charts as figures
from readlayer import completeness as ledger
from readlayer.status import duration

# Streamlit writes a page's bare string literals on it: comments here, not docstrings.
# Up to 30 days: beyond, a 2-minute source holds more slots than one read may
# (readlayer.completeness.MAX_SLOTS).
RANGES = tuple(r for r in time_range.RANGES if r.hours <= 30 * 24)
BY_SHORT = {r.short: r for r in RANGES}
TRAFFIC, ARCS = "traffic", "traffic.arcs"
LEAST = 50  # rows of the least-reporting table
RATE_COLUMNS = {
    "label": st.column_config.TextColumn("road section", width="medium", pinned=True),
    "zone": st.column_config.TextColumn("zone", width="small"),
    "rate": st.column_config.ProgressColumn(
        "reports", format="percent", min_value=0.0, max_value=1.0,
        help="share of its slots it reported in (about the last 7 days)",
    ),
    "slots": st.column_config.NumberColumn("slots", format="%d", help="slots counted"),
    "last_reported": st.column_config.DatetimeColumn(
        "last reported", format=ui.TIME_FORMAT, timezone="Europe/Paris"
    ),
    "entity_id": st.column_config.TextColumn("arc id"),
}  # fmt: skip


def control(key: str) -> time_range.TimeRange:
    """The trend pages' picker, up to 30 days."""
    chosen = st.segmented_control(
        "Time range",
        [r.short for r in RANGES],
        default=time_range.DEFAULT.short,
        key=key,
        help="How far back the ledger goes, up to now: one cell per slot, or per a few slots "
        "(then the worst of them) over long ranges.",
    )
    return BY_SHORT.get(str(chosen), time_range.DEFAULT)


@st.cache_data(show_spinner=False, ttl=2 * data.MAX_TTL_S, max_entries=64)
def _ledger(key: str, hours: float, slot: int, _ctx: data.Context) -> list[dict[str, Any]]:
    """The ledger of every enabled source over the last ``hours``, read once per ``slot``."""
    since = _ctx.now - timedelta(hours=hours)
    return data._call(
        _ctx,
        lambda r: ledger.completeness(r, _ctx.catalogue, since=since, until=_ctx.now, now=_ctx.now),
    )


@st.cache_data(show_spinner=False, ttl=2 * data.MAX_TTL_S, max_entries=64)
def _rates(key: str, source: str, slot: int, _ctx: data.Context) -> list[dict[str, Any]]:
    return data._call(_ctx, lambda r: ledger.reporting_rates(r, source))


def _slot(ctx: data.Context) -> int:
    """The cache slot: the shortest refresh period of the sources shown."""
    return int(ctx.now.timestamp() // ctx.refresh_s(ctx.catalogue.sources))


def entries(ctx: data.Context, chosen: time_range.TimeRange) -> list[dict[str, Any]]:
    """The range's entries; :class:`data.NoData` when the ledger is empty."""
    try:
        found = _ledger(ctx.key, chosen.hours, _slot(ctx), ctx)
    except ledger.RangeTooLong as exc:
        raise data.NoData(f"{exc}.") from None
    if not found:
        raise data.NoData(
            "No completeness ledger yet: the collector writes one entry per source and slot "
            "as it runs (`paris-collector completeness` lists them)."
        )
    return found


def heatmap(ctx: data.Context, chosen: time_range.TimeRange) -> None:
    found = entries(ctx, chosen)
    sources = list(dict.fromkeys(str(e["source"]) for e in found))
    rules = {s: ledger.slot_rule(ctx.catalogue.source(s)) for s in sources}
    since = ctx.now - timedelta(hours=chosen.hours)
    bucket = figures.bucket_for(ctx.now - since, min(r.slot for r in rules.values()))
    credit = "; ".join(dict.fromkeys(ctx.catalogue.credit(s) for s in sources))
    stamp = charts.Stamp(
        title="Slots by state, per source",
        what=f"each cell {duration(bucket.total_seconds())}: the worst state of its slots "
        "(ok, partial, late, missing); hover for expected and received",
        when=f"{chosen.describe()}, to {data.paris_time(ctx.now)} (Paris)",
        credit=credit,
    )
    fig = figures.heatmap(found, sources, stamp, since=since, until=ctx.now, bucket=bucket)
    ui.chart(fig, "completeness-heatmap")
    parts = []
    for source in sources:
        mine = [e for e in found if e.get("source") == source]
        share = complete_share(mine)
        missing = sum(1 for e in mine if e.get("state") == "missing")
        slot = duration(rules[source].slot.total_seconds())
        parts.append(
            f"{source}: {ui.MISSING if share is None else f'{100 * share:.1f} %'} of "
            f"{len(mine)} slots of {slot} complete, {missing} missing"
        )
    ui.note("; ".join(parts) + ".")


def _arcs(ctx: data.Context) -> list[dict[str, Any]]:
    return data.latest_records(ctx, ARCS)


def reporting(ctx: data.Context) -> None:
    st.subheader("Traffic arcs: how often each reports")
    rows = _rates(ctx.key, TRAFFIC, _slot(ctx), ctx)
    if not rows:
        raise data.NoData(
            "No reporting rates yet: the collector counts them from the first traffic slot."
        )
    rates = {r["entity_id"]: r for r in rows}
    arcs = _arcs(ctx)
    never = len(ledger.never_reporting(rows))
    stamp = ui.stamp(
        ctx, TRAFFIC, "Road sections by reporting rate",
        f"share of the hourly slots each loop counter reported a measure in; {never:,} of "
        f"{len(rows):,} never reported (black)",
        f"rates of {data.paris_time(ctx.now)} (Paris), about the last 7 days",
    )  # fmt: skip
    ui.chart(figures.rates_map(arcs, rates, stamp), "completeness-arcs-map")
    reference = {str(a.get("entity_id")): a for a in arcs}
    least = sorted(rows, key=lambda r: (r["rate"] if r["rate"] is not None else -1, r["slots"]))
    table = pd.DataFrame.from_records(
        [_row(r, reference.get(r["entity_id"], {})) for r in least[:LEAST]]
    ).reindex(columns=list(RATE_COLUMNS))
    table["last_reported"] = pd.to_datetime(table["last_reported"], utc=True, errors="coerce")
    ui.table(
        table,
        "completeness-least-reporting",
        caption=f"The {min(LEAST, len(rows))} arcs that report least (of {len(rows):,}), lowest "
        f"rate first. Source: {ctx.catalogue.credit(TRAFFIC)}.",
        column_config=RATE_COLUMNS,
        credit=ui.credit(ctx, TRAFFIC),
    )


def _row(rate: dict[str, Any], arc: dict[str, Any]) -> dict[str, Any]:
    return {
        **rate,
        "label": charts.road_label(arc.get("label")) or rate["entity_id"],
        "zone": arc.get("zone"),
        "last_reported": _time(rate.get("last_reported")),
    }


def _time(value: Any) -> datetime | None:
    try:
        return keys.parse_ts(value) if isinstance(value, str) else None
    except ValueError:
        return None


def body(ctx: data.Context) -> None:
    chosen = control("completeness-range")
    with ui.section("Completeness by source"):
        heatmap(ctx, chosen)
    with ui.section("Reporting rates"):
        reporting(ctx)


ui.page(
    "Completeness",
    "What each source was expected to deliver, slot by slot, and what arrived: a missing "
    "slot is one nothing was recorded for (the collector was down, the publisher silent).",
    (TRAFFIC,),
    body,
)
