"""End to end: the real server (``dashboard.serve.command``) on seeded data, in headless Chromium,
every page of the navigation at a desktop width (1440 px) and a phone width (390 px).

Screenshots of every page at both widths are kept in ``test-artifacts/dashboard/`` (gitignored,
``<page>-<width>.png``) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dashboard.charts import Bounds, paris_bounds
from tests.dashboard.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
WAIT_MS = 60_000
"""Most waits end in a second or two; the first chart also loads plotly.js on a busy host."""
DESKTOP, PHONE = 1440, 390
WIDTHS = (DESKTOP, PHONE)
VIEWPORT_HEIGHT = {DESKTOP: 900, PHONE: 844}


@dataclass(frozen=True)
class Screen:
    """A navigation entry and what its page shows on the seeded store."""

    title: str
    path: str
    charts: int
    maps: int
    tables: int


SCREENS = {
    "overview": Screen("Overview", "", 0, 0, 2),
    "parking": Screen("Parking", "parking", 5, 1, 1),
    "traffic": Screen("Traffic", "traffic", 4, 2, 2),
    "departures": Screen("Departures", "departures", 2, 0, 1),
    "completeness": Screen("Completeness", "completeness", 2, 1, 1),
    "velib": Screen("velib", "source_velib", 1, 1, 1),
    "average_availability_parking": Screen(
        "average_availability_parking", "aggregation_average_availability_parking", 4, 0, 1
    ),
    "number_of_parkings_in_operation": Screen(
        "number_of_parkings_in_operation", "aggregation_number_of_parkings_in_operation", 4, 0, 0
    ),
    "velib_availability": Screen("velib_availability", "aggregation_velib_availability", 8, 0, 0),
}
"""Every entry of the navigation, in its order (a new page fails the navigation test)."""

MAP_VIEWS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(plot => plot._fullLayout && plot._fullLayout.map)
    .map(plot => {
        const view = plot._fullLayout.map._subplot.map.getBounds();
        const lons = plot._fullData.flatMap(t => Array.from(t.lon || [])).filter(Number.isFinite);
        const lats = plot._fullData.flatMap(t => Array.from(t.lat || [])).filter(Number.isFinite);
        return {
            view: [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()],
            drawn: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
        };
    })"""
"""What each map shows, as maplibre has it in the browser, and the box of what it draws:
[west, south, east, north]."""
TITLE_CLEARANCE = """() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
    const subtitle = plot.querySelector('.gtitle-subtitle');
    const below = [...plot.querySelectorAll(
        '.ytick text, .g-ytitle text, .cbtitle text, .cbaxis text, .legend, .annotation')];
    if (!subtitle || !below.length) return null;
    const bottom = subtitle.getBoundingClientRect().bottom;
    return Math.min(...below.map(e => e.getBoundingClientRect().top)) - bottom;
})"""
"""Per chart, pixels from its subtitle's bottom down to the highest thing under it (a tick
label such as "100 %", an axis title, a colour bar, a legend); negative is an overlap."""
LABELS_ON_BARS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
    const bars = [...plot.querySelectorAll('.bars .point path')]
        .map(b => b.getBoundingClientRect());
    return [...plot.querySelectorAll('.annotation')].map(a => a.getBoundingClientRect())
        .filter(a => bars.some(b => a.left < b.right && b.left < a.right
                                  && a.top < b.bottom && b.top < a.bottom))
        .map(a => [a.left, a.top]);
})"""
"""Where a chart's annotation (the city median's label) covers one of its bars."""
CONTENT_HEIGHT = """() => document.querySelector('[data-testid="stMain"]').scrollHeight"""

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


@pytest.fixture(scope="module")
def server(dashboard_server: Server | None) -> str:
    assert dashboard_server is not None
    return dashboard_server.ready()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def tabs(server: str, browser: Browser) -> Iterator[dict[int, tuple[Page, list[str]]]]:
    """One tab per width, and every request each made outside the dashboard."""
    opened = {}
    for width in WIDTHS:
        outside: list[str] = []
        page = browser.new_page(viewport={"width": width, "height": VIEWPORT_HEIGHT[width]})
        page.set_default_timeout(WAIT_MS)
        page.on(
            "request",
            lambda r, outside=outside: (
                None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url)
            ),
        )
        opened[width] = (page, outside)
    yield opened
    for page, _ in opened.values():
        page.close()


def link(title: str) -> re.Pattern[str]:
    """Exactly the title: the generic pages' links (``average_availability_parking``) hold
    the hand-made pages' words."""
    return re.compile(rf"^\s*{re.escape(title)}\s*$")


def open_screen(page: Page, server: str, screen: Screen, width: int) -> None:
    page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT[width]})
    if width == DESKTOP:
        # As a reader does: the sidebar link, without reloading the app.
        if not page.url.startswith(server):
            page.goto(server)
            page.locator("h1", has_text="Overview").wait_for()
        nav = page.locator('[data-testid="stSidebarNavLink"]', has_text=link(screen.title))
        nav.click()
    else:  # the phone's sidebar is folded away: a shared link or a bookmark
        page.goto(f"{server}/{screen.path}")
    page.locator("h1", has_text=link(screen.title)).wait_for()
    expect(page).to_have_url(f"{server}/{screen.path}", timeout=WAIT_MS)


def screenshot(page: Page, width: int, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the viewport is made as
    tall as the content first (the width, which the charts were drawn for, stays)."""
    page.set_viewport_size({"width": width, "height": page.evaluate(CONTENT_HEIGHT)})
    page.wait_for_timeout(800)  # let the maps draw their layers at the new size
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def test_the_navigation_lists_every_screen(
    server: str, tabs: dict[int, tuple[Page, list[str]]]
) -> None:
    page, _ = tabs[DESKTOP]
    page.goto(server)
    page.locator("h1", has_text="Overview").wait_for()
    links = page.locator('[data-testid="stSidebarNavLink"]')
    expect(links).to_have_count(len(SCREENS), timeout=WAIT_MS)
    assert [t.strip() for t in links.all_inner_texts()] == [s.title for s in SCREENS.values()]


@pytest.mark.timeout(240)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", SCREENS)
def test_every_page_renders_at_desktop_and_phone_width(
    name: str, width: int, server: str, tabs: dict[int, tuple[Page, list[str]]]
) -> None:
    page, outside = tabs[width]
    screen = SCREENS[name]
    open_screen(page, server, screen, width)
    # expect() waits 5 s unless told: on a busy host the first charts take longer.
    downloads = page.locator('[data-testid="stDownloadButton"]')
    expect(downloads).to_have_count(screen.tables, timeout=WAIT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(screen.charts, timeout=WAIT_MS)
    maps = page.locator(".js-plotly-plot .maplibregl-canvas")
    expect(maps).to_have_count(screen.maps, timeout=WAIT_MS)
    for plot in page.locator(".js-plotly-plot").all():  # drawn, not just an empty box
        expect(plot.locator(".main-svg").first).to_be_visible(timeout=WAIT_MS)
    screenshot(page, width, name)

    assert page.locator('[data-testid="stDataFrame"]').count() == screen.tables
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlert"]').count() == 0, page.locator(
        '[data-testid="stAlert"]'
    ).all_inner_texts()
    if name == "overview":
        assert page.locator('[data-testid="stMetric"]').count() >= 4  # then "More analytics"
    clearances = [c for c in page.evaluate(TITLE_CLEARANCE) if c is not None]
    assert all(c >= 0 for c in clearances), (width, name, clearances)
    assert page.evaluate(LABELS_ON_BARS) == [], (width, name)
    # The whole city in every map, Bois de Boulogne (west) and Bois de Vincennes (east)...
    paris = paris_bounds()
    views = page.evaluate(MAP_VIEWS)
    assert len(views) == screen.maps
    for shown in views:
        view, drawn = Bounds(*shown["view"]), Bounds(*shown["drawn"])
        assert view.contains(paris), (width, name, view)
        assert drawn.contains(paris), (width, name, drawn)  # the figure's own frame of Paris
        # ...fitted, not a far view: what is drawn fills the map's width or its height.
        fill = max(
            (drawn.east - drawn.west) / (view.east - view.west),
            (drawn.north - drawn.south) / (view.north - view.south),
        )
        assert fill > 0.75, (width, name, view, drawn)
    assert outside == [], "the dashboard must work with no internet"
