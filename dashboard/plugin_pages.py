"""A page of a plugin's own: ``page.py`` in its folder, mounted instead of the generic page.

The contract (see CONTRIBUTING.md, *A page of your own*)::

    # sources/<name>/page.py (or aggregations/<name>/page.py)
    from dashboard import data, ui

    TITLE = "Bike stations"          # optional: the navigation label (default: the name)

    def render(ctx: data.Context) -> None:
        frame = data.latest(ctx, "<name>")
        ui.table(frame, "<name>", caption="...")

``render`` draws the body of the page. The dashboard draws the title, the plugin's description,
the refresh (as often as the plugin's data changes) and the freshness and licence footer around
it, and turns a missing dataset (``data.NoData``), an unreachable storage or an exception in
``render`` into one plain message, never a traceback.

A ``page.py`` that fails to import, or has no callable ``render``, does not take the dashboard
down: the plugin gets the generic page with a note saying why (the details are in the log).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass

from dashboard import data

log = logging.getLogger("dashboard")

PAGE_MODULE = "page"
Render = Callable[[data.Context], None]


@dataclass(frozen=True)
class PluginPage:
    render: Render
    title: str | None


class PageError(Exception):
    """A plugin ships a ``page.py`` that cannot be mounted; the message says why."""


def find_page(package: str | None) -> PluginPage | None:
    """The page shipped in ``package``; ``None`` when there is none; :class:`PageError` when
    there is one that cannot be used."""
    if package is None:
        return None
    name = f"{package}.{PAGE_MODULE}"
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if found is None:
        return None
    try:
        module = importlib.import_module(name)
    except Exception as exc:
        log.exception("plugin page %s failed to import", name)
        raise PageError(f"its page.py failed to import ({type(exc).__name__})") from exc
    render = getattr(module, "render", None)
    if not callable(render):
        raise PageError("its page.py has no render(ctx) function")
    title = getattr(module, "TITLE", None)
    return PluginPage(render=render, title=title if isinstance(title, str) and title else None)
