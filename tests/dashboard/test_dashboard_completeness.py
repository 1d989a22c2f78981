"""The completeness page, run by Streamlit's AppTest: the heatmap of sources × slots by state,
the arcs by reporting rate, the least-reporting table; an empty ledger and no storage say so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from collector.settings import Settings
from collector.storage import make_reader
from dashboard.completeness_charts import SEVERITY, STATE_COLOURS
from readlayer import completeness as ledger
from readlayer.catalogue import discover_catalogue
from tests.dashboard.conftest import APP, local
from tests.dashboard.ledger_seed import copy_store, seed_dashboard_ledger
from tests.dashboard.seed import Seeded
from tests.readlayer.completeness_seed import SeededLedger

PAGE = "views/completeness.py"
Open = Callable[[Path], AppTest]


@pytest.fixture(scope="module")
def with_ledger(
    seeded: tuple[Path, Seeded], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, SeededLedger]:
    """The seeded store plus a ledger of its three sources (a copy: the others stay as is)."""
    data_dir = copy_store(seeded[0], tmp_path_factory.mktemp("ledger") / "data")
    return data_dir, asyncio.run(seed_dashboard_ledger(local(data_dir)))


@pytest.fixture
def open_page(dashboard_env: pytest.MonkeyPatch) -> Open:
    def run(data_dir: Path) -> AppTest:
        dashboard_env.setenv("PARIS_DATA_DIR", str(data_dir))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.switch_page(PAGE).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def answer(data_dir: Path, hours: float) -> list[dict[str, Any]]:
    """The read layer's ledger of the last ``hours``."""
    settings: Settings = local(data_dir)
    _, catalogue = discover_catalogue(settings)
    reader = make_reader(settings)
    try:
        now = datetime.now(UTC)
        return ledger.completeness(
            reader, catalogue, since=now - timedelta(hours=hours), until=now, now=now
        )
    finally:
        reader.close()


def test_the_page_on_a_ledger(open_page: Open, with_ledger: tuple[Path, SeededLedger]) -> None:
    data_dir, seeded = with_ledger
    at = open_page(data_dir)
    assert [t.value for t in at.title] == ["Completeness"]
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    # A week: traffic's hours are due only after its freshness objective (days).
    at.segmented_control(key="completeness-range").set_value("7 d").run()
    heat, arcs_map = figures(at)
    cells = heat["data"][0]
    expected = answer(data_dir, 7 * 24)
    rows = list(dict.fromkeys(e["source"] for e in expected))
    assert cells["type"] == "heatmap" and cells["y"] == rows
    # A cell shows the worst state of the slots it spans: every row its worst, and traffic's
    # hourly slots, each wider than a cell, every one of their states.
    for name, row in zip(rows, cells["z"], strict=True):
        shown = {v for v in row if v is not None}
        states = {SEVERITY[e["state"]] for e in expected if e["source"] == name}
        assert shown <= states and max(shown) == max(states), name
    traffic = {e["state"] for e in expected if e["source"] == "traffic"}
    assert {"ok", "partial", "late", "missing"} <= traffic
    assert {v for v in cells["z"][rows.index("traffic")] if v is not None} == {
        SEVERITY[s] for s in traffic
    }
    hover = [t for row in cells["text"] for t in row if t]
    assert hover and all("expected" in t and "received" in t for t in hover)
    legend = [t["name"] for t in heat["data"][1:]]
    assert legend == list(STATE_COLOURS)
    subtitle = heat["layout"]["title"]["subtitle"]["text"]
    assert "(Paris)" in subtitle and "Ville de Paris" in subtitle
    # The arcs by reporting rate, the never-reporting ones apart, the whole of Paris.
    traced = {t["name"].rsplit(" (", 1)[0]: t for t in arcs_map["data"] if t["name"] != "Paris"}
    never = sum(1 for r in seeded.rates["traffic"].values() if r["last_reported"] is None)
    assert traced["never reported"]["name"] == f"never reported ({never})"
    assert traced["never reported"]["line"]["color"] == "#000000"
    assert arcs_map["layout"]["map"]["style"] == "white-bg"
    # The least-reporting arcs, lowest first, with their CSV.
    table = at.dataframe[0].value
    rates = sorted(r["rate"] for r in seeded.rates["traffic"].values())
    assert list(table["rate"]) == rates[: len(table)]
    assert len(table) == min(50, len(rates))
    assert [b.label for b in at.get("download_button")] == ["Download CSV"]
    captions = " ".join(texts(at, "caption"))
    assert "traffic:" in captions and "missing" in captions


def test_the_time_range_changes_the_slots(
    open_page: Open, with_ledger: tuple[Path, SeededLedger]
) -> None:
    at = open_page(with_ledger[0])
    wide = figures(at)[0]["data"][0]
    at.segmented_control(key="completeness-range").set_value("6 h").run()
    narrow = figures(at)[0]["data"][0]
    assert len(narrow["x"]) != len(wide["x"])
    assert min(narrow["x"]) > min(wide["x"])


def test_an_empty_ledger_says_so(open_page: Open, empty_store: Path) -> None:
    at = open_page(empty_store)
    infos = texts(at, "info")
    assert any("No completeness ledger yet" in i for i in infos), infos
    assert all("yet" in i for i in infos), infos
    assert not at.get("plotly_chart")
    assert not texts(at, "warning") and not texts(at, "error")


def test_no_storage_is_one_plain_warning(open_page: Open, tmp_path: Path) -> None:
    at = open_page(tmp_path / "nothing-here")
    warnings = texts(at, "warning")
    assert len(warnings) == 1 and "storage is unreachable" in warnings[0]
    assert not at.get("plotly_chart") and not texts(at, "error")
