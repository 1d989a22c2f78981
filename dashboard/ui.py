"""Streamlit pieces every page shares: the refreshing page body, guarded sections, charts, tables.

Nothing here ever shows a traceback: missing data and unreachable storage become a plain
message, and an unexpected error becomes one line on the page with the details in the log.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from dashboard import charts, csv_export, data

log = logging.getLogger("dashboard")

STATUS_COLOURS: dict[str, Any] = {
    "ok": "green",
    "stale": "orange",
    "failing": "red",
    "never_run": "gray",
    "disabled": "gray",
}
MISSING = data.MISSING
TIME_FORMAT = "D MMM YYYY, HH:mm"
"""How a table shows a time column (Paris time), as the captions write it."""

_page_publishers: ContextVar[tuple[csv_export.Publisher, ...]] = ContextVar(
    "page_publishers", default=()
)
"""Who published what the page being drawn shows: the credit of a table that names none."""


# text from data -----------------------------------------------------------------------------
# Streamlit renders captions, titles, messages and labels as Markdown: a description starting
# with "- " becomes a bullet, "*" italics, ":red[...]" a colour, "$...$" LaTeX. Text that
# comes from data goes through escape() so that it reads as written.
_ALWAYS = re.compile(r"([\\`*\[\]<>|~$])")
_LONE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
"""An underscore inside a word (``bikes_summary``) is never emphasis; one at its edge can be."""
_DIRECTIVE = re.compile(r":(?=[A-Za-z+-])")
"""``:red[...]``, ``:material/icon:``, ``:smile:``; a colon before a space or a digit is inert."""
_ENTITY = re.compile(r"&(?=[A-Za-z#])")
_LINE_START = re.compile(r"^[ \t]*(?:([#+=-])|(\d+)([.)]))", re.MULTILINE)
"""A heading, a list item or a setext underline when it opens a line (after any indent)."""


def escape(text: object) -> str:
    """``text`` as Markdown that renders as the text itself (see the comment above)."""
    out = _ALWAYS.sub(r"\\\1", str(text))
    out = _LONE_UNDERSCORE.sub(r"\\_", out)
    out = _DIRECTIVE.sub(r"\\:", out)
    out = _ENTITY.sub(r"\\&", out)
    # The indent goes (four spaces make a code block); the marker stays, escaped.
    return _LINE_START.sub(_unmark, out)


def _unmark(found: re.Match[str]) -> str:
    marker, number, dot = found.groups()
    return f"\\{marker}" if marker else f"{number}\\{dot}"


def note(text: object) -> None:
    """A caption of plain text (data in it included), never Markdown."""
    st.caption(escape(text))


def say(kind: Callable[..., Any], text: object) -> None:
    """``st.info``/``st.warning``/``st.error`` of plain text."""
    kind(escape(text))


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
    st.title(escape(title))
    note(intro)
    try:
        ctx = data.context()
    except data.Unavailable as exc:
        say(st.error, exc)
        return
    if ctx.catalogue.problem:
        say(
            st.warning, f"Plugins could not be listed ({ctx.catalogue.problem}); defaults are used."
        )
    shown = tuple(shows)
    every = ctx.refresh_s(shown)
    publishers = data.publishers(ctx.catalogue, shown)

    @st.fragment(run_every=every)
    def live() -> None:
        now = datetime.now(UTC)
        token = _page_publishers.set(publishers)
        try:
            with section(title):
                fresh = dataclasses.replace(ctx, now=now)
                data.states(fresh)  # one plain message, not one per chart, when storage is down
                body(fresh)
        finally:
            _page_publishers.reset(token)
        note(
            f"Read at {data.paris_time(now, seconds=True)} (Paris time); "
            f"this page refreshes itself every {every:g} s."
        )

    live()
    if footer is not None:
        token = _page_publishers.set(publishers)
        try:
            with section(title):
                footer(ctx)
        finally:
            _page_publishers.reset(token)


@contextmanager
def section(what: str) -> Iterator[None]:
    """Run one part of a page; turn any failure into a plain message."""
    try:
        yield
    except data.NoData as exc:
        say(st.info, exc)
    except data.Unavailable as exc:
        say(st.warning, exc)
    except Exception:
        log.exception("dashboard section %r failed", what)
        say(
            st.error,
            f"{what}: this part could not be drawn. The details are in the dashboard's log.",
        )


def chart(fig: Any, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False, "scrollZoom": True})


def credit(ctx: data.Context, *names: str) -> tuple[csv_export.Publisher, ...]:
    """The publishers of ``names`` (datasets or analytics), for :func:`table`'s CSV."""
    return data.publishers(ctx.catalogue, names)


def _time_columns(frame: pd.DataFrame, configured: dict[str, Any]) -> dict[str, Any]:
    """A Paris-time display for each time column the caller left unconfigured."""
    return {
        name: st.column_config.DatetimeColumn(
            str(name), format=TIME_FORMAT, timezone="Europe/Paris"
        )
        for name in frame.columns
        if name not in configured and pd.api.types.is_datetime64_any_dtype(frame[name])
    }


def table(
    frame: pd.DataFrame,
    name: str,
    *,
    caption: str,
    column_config: dict[str, Any] | None = None,
    height: int | None = None,
    shown: Sequence[str] | None = None,
    credit: Sequence[csv_export.Publisher] | None = None,
    notes: Sequence[str] = (),
) -> None:
    """A sortable table, what it shows (plain text), and its CSV download.

    ``shown``: the columns on screen, in order (default: all); the CSV holds every column of
    ``frame`` (coordinates too), times in ISO 8601. ``credit``: who
    published the rows (default: the publishers of what the page shows), written into the CSV
    with their licence, as ``notes`` (e.g. the filters applied) are.
    """
    configured = dict(column_config or {})
    configured.update(_time_columns(frame, configured))
    st.dataframe(
        frame,
        hide_index=True,
        column_order=list(shown) if shown is not None else None,
        column_config=configured,
        key=f"{name}-table",
        height=height if height is not None else "auto",
        placeholder=MISSING,
    )
    note(caption)
    publishers = tuple(credit) if credit is not None else _page_publishers.get()
    st.download_button(
        "Download CSV",
        csv_export.to_csv(
            frame, name, publishers, exported=datetime.now(UTC), notes=[caption, *notes]
        ),
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
