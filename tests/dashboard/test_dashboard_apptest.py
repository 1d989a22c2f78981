"""Every page with no storage, an empty store and seeded data, run by Streamlit's AppTest."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from streamlit.testing.v1 import AppTest

from collector.storage import make_store
from collector.storage.base import GoldPoint
from sources.traffic import SOURCE as TRAFFIC
from tests.dashboard.conftest import PAGES, TITLES, RunPage, local
from tests.dashboard.seed import Seeded


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def test_every_page_without_storage_says_so_plainly(run_page: RunPage, tmp_path: Path) -> None:
    for page in PAGES:
        at = run_page(page, tmp_path / "nothing-here")
        assert [t.value for t in at.title] == [TITLES[page]]
        warnings = texts(at, "warning")
        assert len(warnings) == 1, (page, warnings)
        assert "storage is unreachable" in warnings[0]
        assert "paris-collector init" in warnings[0]
        assert not at.get("plotly_chart"), page
        assert not texts(at, "error"), page


def test_every_page_on_an_empty_store_says_no_data_yet(
    run_page: RunPage, empty_store: Path
) -> None:
    for page in PAGES:
        at = run_page(page, empty_store)
        assert [t.value for t in at.title] == [TITLES[page]]
        infos = texts(at, "info")
        assert infos, f"{page}: an empty store must say that there is no data yet"
        # ... or why it will not come: these settings have no SNCF token.
        assert all("yet" in i or "source is disabled: no SNCF API token" in i for i in infos), (
            page,
            infos,
        )
        assert not texts(at, "warning"), page
        assert not texts(at, "error"), page
        assert not at.get("plotly_chart"), page


def test_bad_settings_are_one_plain_error(run_page: RunPage, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARIS_STORAGE", "floppy")
    at = run_page("parking", tmp_path)
    errors = texts(at, "error")
    assert len(errors) == 1 and "PARIS_STORAGE" in errors[0], errors


def assert_stamped(fig: dict[str, Any]) -> None:
    """Every chart says what it shows, of which hour, and who published the data."""
    title = fig["layout"]["title"]
    assert title["text"]
    subtitle = title["subtitle"]["text"]
    assert "Source: " in subtitle
    assert "(Paris)" in subtitle, subtitle
    assert "Ville de Paris" in subtitle or "SNCF" in subtitle, subtitle


def assert_downloadable(at: AppTest) -> None:
    """Every table comes with its CSV download."""
    buttons = at.get("download_button")
    assert len(buttons) == len(at.dataframe) > 0
    assert {b.label for b in buttons} == {"Download CSV"}


def test_overview_on_seeded_data(run_page: RunPage, seeded: tuple[Path, Seeded]) -> None:
    data_dir, info = seeded
    at = run_page("overview", data_dir)
    labels = [m.label for m in at.metric]
    assert labels[:4] == [
        "Car park occupancy",
        "Car parks reporting",
        "Road congestion index",
        "Train departures, 24 h",
    ]
    # Then the analytics no hand-made page shows (see test_dashboard_generic.py).
    assert "average_availability_parking" in labels[4:]
    assert all(m.value not in ("", "-", "—") for m in at.metric)
    assert at.metric[1].value == f"24 / {info.car_parks}"
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    freshness = at.dataframe[0].value
    listed = list(freshness["source"])  # every installed source (Vélib' too), by name
    assert listed == sorted(listed) and {"departures", "parking", "traffic"} <= set(listed)
    assert dict(zip(freshness["source"], freshness["status"], strict=True))["traffic"] == "ok"
    # The data's age against each source's freshness objective, apart from the status.
    by_source = freshness.set_index("source")
    assert by_source.loc["traffic", "objective (s)"] == TRAFFIC.freshness.total_seconds()
    for name, row in by_source.iterrows():
        age, objective = row["data age (s)"], row["objective (s)"]
        verdict = "unknown" if pd.isna(age) else "fresh" if age <= objective else "stale"
        assert row["data"] == verdict, name
    plugins = at.dataframe[1].value
    assert {"parking", "traffic", "departures", "overall_occupancy_rate"} <= set(plugins["name"])
    assert_downloadable(at)


def test_parking_on_seeded_data(run_page: RunPage, seeded: tuple[Path, Seeded]) -> None:
    data_dir, info = seeded
    at = run_page("parking", data_dir)
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    assert_downloadable(at)
    figs = figures(at)
    assert len(figs) == 5  # the lake's two are in test_dashboard_lake.py
    for fig in figs:
        assert_stamped(fig)
    car_map, trend, prices, _, _ = figs
    assert car_map["layout"]["map"]["style"] == "white-bg"
    assert [layer["type"] for layer in car_map["layout"]["map"]["layers"]] == ["fill", "line"]
    car_traces = [t for t in car_map["data"] if t["name"] != "Paris"]  # not the city's frame
    assert sum(len(t["lon"]) for t in car_traces) == info.car_parks
    live = car_traces[-1]["marker"]
    assert len(set(live["size"])) > 1 and 0 <= min(live["color"]) <= max(live["color"]) <= 100
    assert len(trend["data"][0]["y"]) > 1
    assert {"Paris 1er", "Paris 20e"} <= set(prices["data"][0]["x"])
    table = at.dataframe[0].value
    assert len(table) == info.car_parks
    assert table["occupancy_rate"].dropna().is_monotonic_decreasing

    one_hour = prices["data"][0]["y"]
    at.get_by_key("price-duration").set_value("24h").run()
    day = figures(at)[2]
    assert "24h" in day["layout"]["title"]["text"]
    assert min(day["data"][0]["y"]) > max(one_hour)


def test_traffic_on_seeded_data(run_page: RunPage, seeded: tuple[Path, Seeded]) -> None:
    data_dir, info = seeded
    at = run_page("traffic", data_dir)
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    assert_downloadable(at)
    figs = figures(at)
    assert len(figs) == 4  # the typical day is in test_dashboard_lake.py
    for fig in figs:
        assert_stamped(fig)
    arcs, trend, _, zones = figs
    arc_traces = [t for t in arcs["data"] if t["name"] != "Paris"]  # not the city's frame
    names = [t["name"].split(" (")[0] for t in arc_traces]
    assert len(names) == len(set(names)) and {"Fluide", "Pré-saturé"} <= set(names)
    # One trace per state, arcs separated by None: one None per arc.
    assert sum(t["lon"].count(None) for t in arc_traces) == info.arcs
    assert all(t["mode"] == "lines" for t in arc_traces)
    assert len(trend["data"][0]["y"]) > 1
    outlines = [t for t in zones["data"] if t.get("fill") == "toself"]
    assert {t["name"] for t in outlines} <= {f"arrondissement {n}" for n in range(1, 21)}
    assert len(outlines) >= 15
    critical = at.dataframe[0].value
    assert len(critical) > 0
    assert set(critical["traffic_state"]) <= {"Saturé", "Bloqué"}


def test_departures_on_seeded_data(run_page: RunPage, seeded: tuple[Path, Seeded]) -> None:
    data_dir, info = seeded
    at = run_page("departures", data_dir)
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    assert_downloadable(at)
    figs = figures(at)
    assert len(figs) == 2
    for fig in figs:
        assert_stamped(fig)
    board = at.dataframe[0].value
    assert len(board) > 10
    assert set(board["station"]) == set(info.stations)
    assert (board["delay"].dropna() >= 0).all()
    assert any(s.startswith("late ") for s in board["status"])

    station = info.stations[2]
    at.selectbox(key="departures-station").select(station).run()
    board = at.dataframe[0].value
    assert set(board["station"]) == {station}
    assert at.metric[0].label == "Departures, 24 h"
    assert texts(at, "caption")[1].startswith(station)


def test_an_unexpected_shape_is_a_plain_message_not_a_traceback(
    run_page: RunPage, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"

    async def write() -> None:
        async with make_store(local(data_dir)) as store:
            await store.init()
            point = GoldPoint(
                aggregation="overall_occupancy_rate",
                window_start="2025-11-04T18:55:00Z",
                window_end="2025-11-04T19:00:00Z",
                ran_at="2025-11-04T19:00:01Z",
                data={"occupancy_rate": "not a number"},
            )
            await store.put_gold(point, expires_at=4_102_444_800)

    asyncio.run(write())
    at = run_page("overview", data_dir)
    errors = texts(at, "error")
    assert errors == ["Car park occupancy: this part could not be drawn. The details are in the "
                      "dashboard's log."]  # fmt: skip
    assert len(at.metric) == 0
