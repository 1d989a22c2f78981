"""End to end: the real server (``dashboard.serve.command``) on seeded data, in headless Chromium.

Screenshots are kept in ``test-artifacts/dashboard/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.dashboard.conftest import TITLES, Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
WAIT_MS = 60_000
"""Most waits end in a second or two; the first chart also loads plotly.js on a busy host."""

# path, charts, of which maps, tables
EXPECTED = {
    "overview": ("", 0, 0, 2),
    "parking": ("parking", 3, 1, 1),
    "traffic": ("traffic", 3, 2, 2),
    "departures": ("departures", 2, 0, 1),
}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


@pytest.fixture(scope="module")
def server(dashboard_server: Server | None) -> str:
    assert dashboard_server is not None
    return dashboard_server.ready()


@pytest.fixture(scope="module")
def browser_page(server: str) -> Iterator[tuple[Page, list[str]]]:
    """One headless Chromium tab, and every request it made outside the dashboard."""
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # Streamlit scrolls inside its own container: a tall viewport shows the whole page.
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        page.set_default_timeout(WAIT_MS)
        page.on(
            "request",
            lambda r: (
                None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url)
            ),
        )
        try:
            yield page, outside
        finally:
            browser.close()


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", EXPECTED)
def test_page_renders_in_a_browser(
    name: str, server: str, browser_page: tuple[Page, list[str]]
) -> None:
    page, outside = browser_page
    path, charts, maps, tables = EXPECTED[name]
    if not page.url.startswith(server):
        page.goto(server)
        page.locator("h1", has_text="Overview").wait_for(timeout=WAIT_MS)
    # As a reader does: the sidebar link, without reloading the app.
    # Exactly: the generic pages' links (``average_availability_parking``) hold these words.
    link = re.compile(rf"^\s*{TITLES[name]}\s*$")
    page.locator('[data-testid="stSidebarNavLink"]', has_text=link).click()
    page.locator("h1", has_text=TITLES[name]).wait_for(timeout=WAIT_MS)
    expect(page).to_have_url(f"{server}/{path}")
    expect(page.locator('[data-testid="stDownloadButton"]')).to_have_count(tables, timeout=WAIT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(charts, timeout=WAIT_MS)
    expect(page.locator(".js-plotly-plot .maplibregl-canvas")).to_have_count(maps, timeout=WAIT_MS)
    page.wait_for_timeout(800)  # let the maps draw their layers before the screenshot
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    assert page.locator('[data-testid="stDataFrame"]').count() == tables
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlert"]').count() == 0
    if name == "overview":
        assert page.locator('[data-testid="stMetric"]').count() >= 4  # then "More analytics"
    assert outside == [], "the dashboard must work with no internet"
