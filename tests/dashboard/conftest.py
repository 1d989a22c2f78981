"""Fixtures of the dashboard tests: stores in three conditions, and pages run with AppTest."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from collector.cli import main
from collector.settings import Settings
from collector.storage import make_store
from dashboard import serve
from replay_upstream.pytest_plugin import Replay
from tests.dashboard.lake_seed import seed_lake
from tests.dashboard.ledger_seed import seed_dashboard_ledger
from tests.dashboard.seed import HOURS, Seeded, seed

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
BROWSER_TESTS = "test_dashboard_browser.py"
BOOT_TIMEOUT_S = 90
NEEDS_SERVER = pytest.StashKey[bool]()
PAGES = {
    "overview": "views/overview.py",
    "parking": "views/parking.py",
    "traffic": "views/traffic.py",
    "departures": "views/departures.py",
}
TITLES = {"overview": "Overview", "parking": "Parking", "traffic": "Traffic",
          "departures": "Departures"}  # fmt: skip


def local(data_dir: Path) -> Settings:
    return Settings(_env_file=None, storage="local", data_dir=data_dir, log_level="warning")  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """A store holding hours of every source and every analytic, and a lake holding weeks of
    the congestion index, the city's occupancy and the car parks (shared, read-only)."""
    data_dir = tmp_path_factory.mktemp("seeded") / "data"
    info = asyncio.run(seed(local(data_dir)))
    asyncio.run(seed_lake(local(data_dir), info.now, HOURS))
    return data_dir, info


@pytest.fixture(scope="session")
def seeded_without_lake(
    seeded: tuple[Path, Seeded], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The seeded store as a daemon with the lake switched off leaves it: no lake at all."""
    data_dir = tmp_path_factory.mktemp("no-lake") / "data"
    shutil.copytree(seeded[0], data_dir, ignore=shutil.ignore_patterns("lake"))
    return data_dir


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that exists but holds nothing yet (the daemon has just started)."""
    data_dir = tmp_path_factory.mktemp("empty") / "data"

    async def init() -> None:
        async with make_store(local(data_dir)) as store:
            await store.init()

    asyncio.run(init())
    return data_dir


@pytest.fixture
def dashboard_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No stray settings, no tiles, and empty Streamlit caches around each test."""
    monkeypatch.chdir(APP.parent.parent)
    monkeypatch.delenv("PARIS_CONFIG", raising=False)
    monkeypatch.delenv("PARIS_DASHBOARD_TILES", raising=False)
    monkeypatch.setenv("PARIS_STORAGE", "local")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield monkeypatch
    st.cache_data.clear()
    st.cache_resource.clear()


RunPage = Callable[[str, Path], AppTest]


@pytest.fixture
def run_page(dashboard_env: pytest.MonkeyPatch) -> RunPage:
    """Run one page of the app, through ``st.navigation``, on the store in ``data_dir``.

    Within a test, pages of the same store share one AppTest (a session switching pages).
    """
    sessions: dict[Path, AppTest] = {}

    def run(page: str, data_dir: Path) -> AppTest:
        dashboard_env.setenv("PARIS_DATA_DIR", str(data_dir))
        if data_dir not in sessions:
            sessions[data_dir] = AppTest.from_file(str(APP), default_timeout=60)
        at = sessions[data_dir]
        at.switch_page(PAGES[page]).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[NEEDS_SERVER] = any(item.path.name == BROWSER_TESTS for item in items)


@dataclass
class Server:
    """The dashboard started by ``dashboard.serve.command`` on a free port."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def ready(self) -> str:
        """The URL, once the server answers its health check."""
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"the dashboard exited ({self.proc.returncode}):\n{self.log.read_text()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self.url
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not answer in {BOOT_TIMEOUT_S} s")
            time.sleep(0.2)


def with_velib(seeded_dir: Path, into: Path, replay: Replay) -> Path:
    """A copy of the seeded store plus one Vélib' poll of the replay upstream, as the daemon
    does it: the browser tests show the generic pages with a plugin's real records."""
    shutil.copytree(seeded_dir, into)
    with pytest.MonkeyPatch.context() as env:
        for key, value in {**replay.env(), "PARIS_DATA_DIR": str(into)}.items():
            env.setenv(key, value)
        env.setenv("PARIS_STORAGE", "local")
        env.delenv("PARIS_CONFIG", raising=False)
        env.delenv("PARIS_PLUGIN_DIR", raising=False)
        assert main(["once", "velib"]) == 0
    return into


@pytest.fixture(scope="session", autouse=True)
def dashboard_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server | None]:
    """Started before the first dashboard test when the browser tests are selected, so that
    the server boots while the AppTest tests run."""
    if not request.config.stash.get(NEEDS_SERVER, False):
        yield None
        return
    seeded: tuple[Path, Seeded] = request.getfixturevalue("seeded")
    replay = Replay(request.getfixturevalue("replay_upstream_server"))
    replay.reset()
    data_dir = with_velib(seeded[0], tmp_path_factory.mktemp("server-store") / "data", replay)
    asyncio.run(seed_dashboard_ledger(local(data_dir)))  # the completeness page's ledger
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    env.update(PARIS_DATA_DIR=str(data_dir), PARIS_LOG_LEVEL="warning")
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve.command("127.0.0.1", port), cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        yield Server(proc, f"http://127.0.0.1:{port}", log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
