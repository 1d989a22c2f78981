"""End to end: a drop-in source from ``PARIS_PLUGIN_DIR`` is in the real server's navigation and
its generic page shows its table and map, in headless Chromium.

The server is this module's own (``dashboard.serve.command``, with the drop-ins' plugin
directory and store); the screenshot lands in ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from collector.settings import Settings
from dashboard import serve
from tests.dashboard.conftest import ROOT, Server
from tests.dashboard.dropin import STATIONS, seed_plugins, write_plugins
from tests.dashboard.test_dashboard_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, WAIT_MS

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("dropin-server")
    plugins, data_dir = write_plugins(root / "plugins"), root / "data"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, storage="local", data_dir=data_dir, plugin_dir=plugins, log_level="warning"
    )
    asyncio.run(seed_plugins(settings))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    env.update(
        PARIS_DATA_DIR=str(data_dir), PARIS_PLUGIN_DIR=str(plugins), PARIS_LOG_LEVEL="warning"
    )
    log = root / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve.command("127.0.0.1", port), cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        yield Server(proc, f"http://127.0.0.1:{port}", log).ready()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(240)
def test_a_dropin_source_has_a_page_in_the_navigation(server: str) -> None:
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.set_default_timeout(WAIT_MS)
            page.on(
                "request",
                lambda r: (
                    None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url)
                ),
            )
            page.goto(server)
            page.locator("h1", has_text="Overview").wait_for()
            links = page.locator('[data-testid="stSidebarNavLink"]')
            for label in ("bikes", "kiosks", "Tides of the Seine", "bikes_summary"):
                expect(links.filter(has_text=re.compile(rf"^\s*{label}\s*$"))).to_have_count(
                    1, timeout=WAIT_MS
                )

            links.filter(has_text=re.compile(r"^\s*bikes\s*$")).click()
            page.locator("h1", has_text="bikes").wait_for()
            expect(page).to_have_url(f"{server}/source_bikes", timeout=WAIT_MS)
            table = page.locator('[data-testid="stDataFrame"]')
            expect(table).to_have_count(1, timeout=WAIT_MS)
            expect(page.locator('[data-testid="stDownloadButton"]')).to_have_count(
                1, timeout=WAIT_MS
            )
            expect(page.locator(".js-plotly-plot .maplibregl-canvas")).to_have_count(
                1, timeout=WAIT_MS
            )
            expect(
                page.get_by_text(f"Latest record of each of the {STATIONS} entities")
            ).to_be_visible(timeout=WAIT_MS)
            page.wait_for_timeout(800)  # let the map draw its layers before the screenshot
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dropin-bikes.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlert"]').count() == 0
        finally:
            browser.close()
    assert outside == [], "the dashboard must work with no internet"
