"""The dashboard's navigation, from the plugin catalogue.

The hand-made pages (``views/``) come first; they show the built-in sources and the
analytics listed in :data:`HAND_MADE`. Every other source and analytic the installation knows
(a drop-in in ``PARIS_PLUGIN_DIR``, an installed entry point, a new built-in folder) gets a
page of its own: the ``page.py`` its folder ships, or the generic page (``views/generic.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from dashboard import data, plugin_info
from dashboard.plugin_pages import PageError, find_page
from dashboard.views import generic

HAND_MADE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("views/overview.py", "Overview", ()),
    ("views/parking.py", "Parking", ("parking", "overall_occupancy_rate", "reference_pricing")),
    (
        "views/traffic.py",
        "Traffic",
        (
            "traffic",
            "traffic_congestion_index",
            "traffic_fluidity_by_zone",
            "traffic_critical_segments",
        ),
    ),
    (
        "views/departures.py",
        "Departures",
        ("departures", "departures_total", "departures_by_network", "departures_top_destinations"),
    ),
    ("views/completeness.py", "Completeness", ()),
)
"""(script, title, the plugins it shows). The overview summarises all and covers none."""
COVERED = frozenset(name for _, _, shows in HAND_MADE for name in shows)
SOURCES, ANALYTICS = "Sources", "Analytics"


def url_path(kind: plugin_info.Kind, name: str) -> str:
    """``source_<name>`` or ``aggregation_<name>`` (as the API's ``/aggregation_<name>``)."""
    return f"{'source' if kind == 'source' else 'aggregation'}_{name}"


def plugin_pages(catalogue: data.Catalogue, known: plugin_info.Plugins) -> dict[str, list[str]]:
    """Per section, the sources and analytics that get a page beyond the hand-made ones."""
    sources = sorted((set(catalogue.sources) | set(known.sources)) - COVERED)
    analytics = sorted((set(catalogue.aggregations) | set(known.analytics)) - COVERED)
    return {SOURCES: sources, ANALYTICS: analytics}


def _title(facts: plugin_info.PluginFacts | None, name: str) -> str:
    try:
        own = find_page(facts.package if facts else None)
    except PageError:
        return name
    return own.title if own and own.title else name


def _page(
    facts: plugin_info.PluginFacts | None,
    name: str,
    kind: plugin_info.Kind,
    mount: Callable[[plugin_info.PluginFacts | None, str], None],
) -> StreamlitPage:
    def run() -> None:
        mount(facts, name)

    run.__name__ = url_path(kind, name)
    return st.Page(run, title=_title(facts, name), url_path=url_path(kind, name))


def pages() -> dict[str, list[StreamlitPage]]:
    """The navigation: hand-made pages, then one page per other source, then per analytic."""
    built = [
        st.Page(script, title=title, default=script == HAND_MADE[0][0])
        for script, title, _ in HAND_MADE
    ]
    nav: dict[str, list[StreamlitPage]] = {"": built}
    try:
        ctx = data.context()
    except data.Unavailable:  # the hand-made pages say so; nothing else is known
        return nav
    known = plugin_info.plugins(ctx.settings.plugin_dir)
    listed = plugin_pages(ctx.catalogue, known)
    if listed[SOURCES]:
        nav[SOURCES] = [
            _page(known.sources.get(n), n, "source", generic.source_page) for n in listed[SOURCES]
        ]
    if listed[ANALYTICS]:
        nav[ANALYTICS] = [
            _page(known.analytics.get(n), n, "analytic", generic.analytic_page)
            for n in listed[ANALYTICS]
        ]
    return nav
