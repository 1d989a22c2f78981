"""Pages from the catalogue: a drop-in source and analytic get the generic page, a drop-in's own
``page.py`` is mounted, and navigation and the overview list them (Streamlit's AppTest)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from collector.settings import Settings
from dashboard import navigation, plugin_info
from tests.dashboard.conftest import APP
from tests.dashboard.dropin import KIOSKS, STATIONS, TIDES_HEADING, Dropped, seed_plugins
from tests.dashboard.dropin import write_plugins as write_dropins

Store = tuple[Path, Path, Dropped]


@pytest.fixture(scope="module")
def dropin(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A ``PARIS_PLUGIN_DIR`` with the drop-ins, and a store holding hours of their data."""
    root = tmp_path_factory.mktemp("dropin")
    plugins = write_dropins(root / "plugins")
    data_dir = root / "data"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, storage="local", data_dir=data_dir, plugin_dir=plugins, log_level="warning"
    )
    return plugins, data_dir, asyncio.run(seed_plugins(settings))


def open_page(env: pytest.MonkeyPatch, store: Store, url_path: str) -> AppTest:
    plugins, data_dir, _ = store
    env.setenv("PARIS_DATA_DIR", str(data_dir))
    env.setenv("PARIS_PLUGIN_DIR", str(plugins))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    if url_path:
        # switch_page() only opens file pages; a callable page is chosen by the hash of its
        # URL path, as a browser opening /<url_path> does.
        at._page_hash = calc_hash(url_path)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    return at


def values(array: Any) -> list[Any]:
    """A figure's array, plain or as plotly's typed ``{"dtype", "bdata"}`` encoding."""
    if isinstance(array, dict):
        return list(np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]))
    return list(array)


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def quiet(at: AppTest) -> None:
    problems = [str(e.value) for kind in ("info", "warning", "error") for e in at.get(kind)]
    assert problems == []


def badges(at: AppTest) -> list[str]:
    """The status badges on the page (``st.badge`` is Markdown: ``:green-badge[fresh]``)."""
    found = (re.fullmatch(r":\w+-badge\[(.*)\]", str(m.value)) for m in at.markdown)
    return [m.group(1) for m in found if m]


def registered(at: AppTest) -> dict[str, str]:
    """URL path -> navigation label of every page the app registered."""
    return {
        str(info.get("url_pathname")): str(info.get("page_name"))
        for info in at._registered_pages.values()
    }


def test_navigation_lists_every_source_and_analytic(
    dashboard_env: pytest.MonkeyPatch, dropin: Store
) -> None:
    at = open_page(dashboard_env, dropin, "")
    pages = registered(at)
    assert {"", "parking", "traffic", "departures"} <= set(pages)
    assert pages["source_bikes"] == "bikes"
    assert pages["source_kiosks"] == "kiosks"
    assert pages["source_tides"] == "Tides of the Seine"  # the TITLE of its page.py
    assert pages["aggregation_bikes_summary"] == "bikes_summary"
    # The built-ins the hand-made pages show get no second page; the others get one.
    assert "source_parking" not in pages and "aggregation_traffic_congestion_index" not in pages
    assert "aggregation_average_availability_parking" in pages
    known = plugin_info.plugins(dropin[0])
    everything = {*known.sources, *known.analytics}
    shown = navigation.COVERED | {p.split("_", 1)[1] for p in pages if "_" in p}
    assert everything <= shown


def test_a_source_with_coordinates_gets_a_map_and_its_table(
    dashboard_env: pytest.MonkeyPatch, dropin: Store
) -> None:
    at = open_page(dashboard_env, dropin, "source_bikes")
    assert [t.value for t in at.title] == ["bikes"]
    quiet(at)
    (fig,) = figures(at)
    assert fig["data"][0]["type"] == "scattermap"
    assert len(values(fig["data"][0]["lat"])) == STATIONS
    assert fig["layout"]["map"]["style"] == "white-bg"
    assert fig["layout"]["map"]["fitbounds"] == "locations"  # to Paris, in the browser
    assert [layer["type"] for layer in fig["layout"]["map"]["layers"]] == ["fill", "line"]
    subtitle = fig["layout"]["title"]["subtitle"]["text"]
    assert "Publisher of bikes (Licence Ouverte v2.0)" in subtitle and "(Paris)" in subtitle
    (table,) = at.dataframe
    frame = table.value
    assert len(frame) == STATIONS
    assert list(frame.columns[:4]) == ["entity_id", "observed_at", "name", "lat"]
    assert {b.label for b in at.get("download_button")} == {"Download CSV"}
    assert badges(at) == ["ok"]
    assert any("Publisher of bikes" in str(c.value) for c in at.caption)

    # Colour by another numeric field: the map follows.
    colours = at.selectbox(key="bikes-colour")
    assert colours.options == ["bikes", "docks"]
    colours.select("docks").run()
    (fig,) = figures(at)
    assert "colour: docks" in fig["layout"]["title"]["subtitle"]["text"]


def test_a_source_with_an_arrondissement_gets_counts_per_arrondissement(
    dashboard_env: pytest.MonkeyPatch, dropin: Store
) -> None:
    at = open_page(dashboard_env, dropin, "source_kiosks")
    quiet(at)
    (fig,) = figures(at)
    bars = fig["data"][0]
    assert bars["type"] == "bar"
    counts = dict(zip(bars["y"], bars["x"], strict=True))
    assert counts == {"Paris 1er": 2, "Paris 2e": 3, "Paris 3e": 3, "outside Paris or unknown": 1}
    assert sum(counts.values()) == KIOSKS
    assert len(at.dataframe[0].value) == KIOSKS


def test_an_analytic_gets_a_trend_per_numeric_field(
    dashboard_env: pytest.MonkeyPatch, dropin: Store
) -> None:
    _, _, dropped = dropin
    at = open_page(dashboard_env, dropin, "aggregation_bikes_summary")
    assert [t.value for t in at.title] == ["bikes_summary"]
    quiet(at)
    figs = {f["layout"]["title"]["text"].removeprefix("bikes_summary: "): f for f in figures(at)}
    assert sorted(figs) == ["bikes", "share_empty", "stations"]  # its numeric fields
    stations, bikes = figs["stations"], figs["bikes"]
    assert stations["data"][0]["y"] == [STATIONS] * dropped.runs
    assert len(set(bikes["data"][0]["y"])) > 1, "the seeded bikes change from run to run"
    (zones,) = at.dataframe
    assert set(zones.value["zone"]) == {"Paris 5e", "Paris 14e"}
    assert zones.value["bikes"].sum() == bikes["data"][0]["y"][-1]
    # Freshness of the source it reads, and its publisher.
    assert badges(at) == ["ok"]

    at.multiselect(key="bikes_summary-fields").set_value(["bikes"]).run()
    assert [f["layout"]["title"]["text"] for f in figures(at)] == ["bikes_summary: bikes"]


def test_a_plugin_page_is_mounted_instead_of_the_generic_one(
    dashboard_env: pytest.MonkeyPatch, dropin: Store
) -> None:
    at = open_page(dashboard_env, dropin, "source_tides")
    quiet(at)
    assert [t.value for t in at.title] == ["Tides of the Seine"]
    assert [s.value for s in at.subheader] == [TIDES_HEADING]
    assert [m.value for m in at.metric] == ["2.90 m"]
    assert len(at.dataframe[0].value) == 2
    assert not at.get("plotly_chart"), "the generic page is not drawn as well"
    assert badges(at) == ["ok"]


def test_a_broken_plugin_page_falls_back_to_the_generic_page(
    dashboard_env: pytest.MonkeyPatch, dropin: Store, tmp_path: Path
) -> None:
    plugins = write_dropins(tmp_path / "plugins")
    (plugins / "sources" / "kiosks").rename(plugins / "sources" / "stalls")
    folder = plugins / "sources" / "stalls"
    init = folder / "__init__.py"
    init.write_text(init.read_text().replace('"kiosks"', '"stalls"'))
    (folder / "page.py").write_text("raise RuntimeError('a bug in the page')\n")
    at = open_page(dashboard_env, (plugins, dropin[1], dropin[2]), "source_stalls")
    warnings = [str(w.value) for w in at.warning]
    assert warnings == [
        "stalls's own page could not be mounted: its page.py failed to import (RuntimeError). "
        "The generic page is shown; the details are in the log."
    ]
    assert [t.value for t in at.title] == ["stalls"]
    assert not at.exception


def test_the_overview_lists_the_other_analytics(
    dashboard_env: pytest.MonkeyPatch, dropin: Store
) -> None:
    at = open_page(dashboard_env, dropin, "")
    assert [t.value for t in at.title] == ["Overview"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["bikes_summary"] == str(STATIONS)
    sources = set(at.dataframe[0].value["source"])
    assert {"bikes", "kiosks", "tides"} <= sources


def test_a_plugins_folder_is_found_from_its_registry_origin(dropin: Store) -> None:
    assert plugin_info.package_of("built-in sources.parking", "sources", "parking") == (
        "sources.parking"
    )
    # An entry point names a module: its folder is the module if a package, else its parent.
    origin = "entry point shops = sources.parking.records:SOURCE (paris_collector.sources)"
    assert plugin_info.package_of(origin, "sources", "shops") == "sources.parking"
    origin = "entry point shops = sources.parking:SOURCE (paris_collector.sources)"
    assert plugin_info.package_of(origin, "sources", "shops") == "sources.parking"
    folder = f"plugin folder {dropin[0] / 'sources' / 'tides'}"
    plugin_info.plugins(dropin[0])  # discovery imports the drop-in
    assert plugin_info.package_of(folder, "sources", "tides") == "_paris_plugins.sources.tides"
    assert plugin_info.package_of("somewhere else", "sources", "x") is None
