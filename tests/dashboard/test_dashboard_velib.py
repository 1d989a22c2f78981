"""Vélib' in the dashboard with no dashboard code: collected from the replay upstream, it
gets the generic pages (a map of the stations, its table, its analytic's trends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from collector.cli import main
from replay_upstream.pytest_plugin import Replay
from tests.dashboard.conftest import APP
from tests.dashboard.test_dashboard_generic import values


def collect(env: pytest.MonkeyPatch, replay: Replay, data_dir: Path) -> None:
    for key, value in replay.env().items():
        env.setenv(key, value)
    env.setenv("PARIS_DATA_DIR", str(data_dir))
    env.delenv("PARIS_PLUGIN_DIR", raising=False)
    env.setenv("PARIS_AGGREGATIONS__VELIB_AVAILABILITY__INTERVAL", "1")
    assert main(["once", "velib"]) == 0
    assert main(["aggregate", "velib_availability"]) == 0


def open_page(url_path: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    at._page_hash = calc_hash(url_path)  # as a browser opening /<url_path> does
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_velib_gets_a_map_a_table_and_trends(
    dashboard_env: pytest.MonkeyPatch, replay_upstream: Replay, tmp_path: Path
) -> None:
    collect(dashboard_env, replay_upstream, tmp_path / "data")
    at = open_page("source_velib")
    assert [t.value for t in at.title] == ["velib"]
    kinds = [f["data"][0]["type"] for f in figures(at)]
    assert "scattermap" in kinds
    (table,) = at.dataframe
    assert len(table.value) == 1410
    assert {"bikes_available", "ebike_available", "zone"} <= set(table.value.columns)
    assert any("Licence Ouverte" in str(c.value) for c in at.caption)
    assert table.proto.placeholder == "—"

    # The arrondissement filter narrows the map and the table alike.
    at.multiselect(key="velib-arrondissement").select("Paris 4e").run()
    (table,) = at.dataframe
    assert 0 < len(table.value) < 1410 and set(table.value["zone"]) == {"Paris 4e"}
    (points,) = [f for f in figures(at) if f["data"][0]["type"] == "scattermap"]
    assert len(values(points["data"][0]["lat"])) == len(table.value)

    at = open_page("aggregation_velib_availability")
    assert figures(at), "no trend for the analytic"
