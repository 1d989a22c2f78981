"""Streamlit pieces every page shares: the refreshing page body, guarded sections, charts, tables.

Nothing here ever shows a traceback: missing data and unreachable storage become a plain
message, and an unexpected error becomes one line on the page with the details in the log.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, data

log = logging.getLogger("dashboard")

STATUS_COLOURS: dict[str, Any] = {
    "ok": "green",
    "stale": "orange",
    "failing": "red",
    "never_run": "gray",
    "disabled": "gray",
}


def page(
    title: str,
    intro: str,
    shows: Iterable[str],
    body: Callable[[data.Context], None],
    *,
    footer: Callable[[data.Context], None] | None = None,
) -> None:
    """Title, intro, ``body`` in a fragment that reruns as often as its data changes, then
    ``footer`` (what needs no storage, drawn even when storage is down)."""
    st.title(title)
    st.caption(intro)
    try:
        ctx = data.context()
    except data.Unavailable as exc:
        st.error(str(exc))
        return
    if ctx.catalogue.problem:
        st.warning(f"Plugins could not be listed ({ctx.catalogue.problem}); defaults are used.")
    every = ctx.refresh_s(shows)

    @st.fragment(run_every=every)
    def live() -> None:
        now = datetime.now(UTC)
        with section(title):
            fresh = dataclasses.replace(ctx, now=now)
            data.states(fresh)  # one plain message, not one per chart, when storage is down
            body(fresh)
        st.caption(
            f"Read at {data.paris_time(now, seconds=True)} (Paris time); "
            f"this page refreshes itself every {every:g} s."
        )

    live()
    if footer is not None:
        with section(title):
            footer(ctx)


@contextmanager
def section(what: str) -> Iterator[None]:
    """Run one part of a page; turn any failure into a plain message."""
    try:
        yield
    except data.NoData as exc:
        st.info(str(exc))
    except data.Unavailable as exc:
        st.warning(str(exc))
    except Exception:
        log.exception("dashboard section %r failed", what)
        st.error(f"{what}: this part could not be drawn. The details are in the dashboard's log.")


def chart(fig: Any, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False, "scrollZoom": True})


def table(
    frame: pd.DataFrame,
    name: str,
    *,
    caption: str,
    column_config: dict[str, Any] | None = None,
    height: int | None = None,
) -> None:
    """A sortable table, what it shows, and its CSV download."""
    st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config,
        key=f"{name}-table",
        height=height if height is not None else "auto",
    )
    st.caption(caption)
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{name}-csv",
        on_click="ignore",
    )


def stamp(ctx: data.Context, name: str, title: str, what: str, when: str) -> charts.Stamp:
    """The stamp of a chart of ``name`` (a dataset or an analytic), credited to its publisher."""
    return charts.Stamp(title=title, what=what, when=when, credit=ctx.catalogue.credit(name))


def window(point: dict[str, Any]) -> str:
    """``window 4 Nov 2025 18:00 - 19:00`` of a gold point, Paris time."""
    start, end = (
        data.parse_time(point.get("window_start")),
        data.parse_time(point.get("window_end")),
    )
    if start is None or end is None:
        return "window unknown"
    same_day = start.astimezone(data.PARIS).date() == end.astimezone(data.PARIS).date()
    tail = end.astimezone(data.PARIS).strftime("%H:%M") if same_day else data.paris_time(end)
    return f"window {data.paris_time(start)} - {tail} (Paris)"


def badge(status: str) -> None:
    st.badge(status, color=STATUS_COLOURS.get(status, "gray"))
