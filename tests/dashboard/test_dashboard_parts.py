"""The dashboard's parts without Streamlit running: cache lifetimes, freshness, maps, command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import charts, data, serve

NOW = datetime(2025, 11, 4, 18, 0, tzinfo=UTC)


def source(name: str, interval_s: float, disabled: str | None = None) -> data.SourceInfo:
    return data.SourceInfo(
        name=name,
        description="",
        interval_s=interval_s,
        licence="ODbL",
        attribution=f"Publisher of {name}",
        datasets=(name,),
        disabled=disabled,
    )


CATALOGUE = data.Catalogue(
    sources={
        "parking": source("parking", 120),
        "traffic": source("traffic", 3600),
        "departures": source("departures", 180, disabled="no SNCF API token"),
    },
    aggregations={
        "overall_occupancy_rate": data.AggregationInfo(
            name="overall_occupancy_rate",
            description="",
            interval_s=300,
            inputs=("parking",),
            enabled=True,
        )
    },
)


def test_reads_are_cached_for_half_their_source_interval_within_bounds() -> None:
    assert CATALOGUE.ttl("parking") == 60
    assert CATALOGUE.ttl("traffic") == data.MAX_TTL_S  # hourly data, read every 5 min
    assert CATALOGUE.ttl("traffic.arcs") == data.MAX_TTL_S
    assert CATALOGUE.ttl("overall_occupancy_rate") == 150
    assert CATALOGUE.ttl("something_else") == data.DEFAULT_TTL_S
    assert data.Catalogue(sources={"fast": source("fast", 1)}).ttl("fast") == data.MIN_TTL_S


def test_analytics_are_credited_to_the_publisher_of_their_inputs() -> None:
    assert CATALOGUE.credit("overall_occupancy_rate") == "Publisher of parking (ODbL)"
    assert CATALOGUE.credit("traffic.arcs") == "Publisher of traffic (ODbL)"


def state(success_ago: timedelta | None, failures: int = 0) -> dict[str, object]:
    saved: dict[str, object] = {"consecutive_failures": failures, "last_error": "HTTP 503"}
    if success_ago is not None:
        saved["last_success_at"] = (NOW - success_ago).strftime("%Y-%m-%dT%H:%M:%SZ")
        saved["data_freshness"] = "2025-11-04T17:00:00Z"
    return saved


def test_freshness_compares_the_last_success_with_the_interval() -> None:
    saved = {
        "parking": state(timedelta(minutes=6)),  # 2.5 x 2 min = 5 min
        "traffic": state(timedelta(minutes=50)),
        # departures never ran: the dashboard's own settings say why (no token)
        "retired": state(timedelta(days=3)),  # state left by a plugin no longer installed
    }
    judged = {f.source: f for f in data.judge(CATALOGUE, saved, NOW)}
    assert {name: f.status for name, f in judged.items()} == {
        "departures": "disabled",
        "parking": "stale",
        "retired": "stale",
        "traffic": "ok",
    }
    assert judged["traffic"].data_up_to == datetime(2025, 11, 4, 17, tzinfo=UTC)
    assert judged["departures"].detail == "no SNCF API token"


def test_a_failing_or_never_run_source_says_so() -> None:
    saved = {"parking": state(timedelta(seconds=30), failures=2)}
    judged = {f.source: f for f in data.judge(CATALOGUE, saved, NOW)}
    assert judged["parking"].status == "failing"
    assert "HTTP 503" in judged["parking"].detail
    assert judged["traffic"].status == "never_run"
    assert judged["traffic"].last_success is None


def test_times_read_as_paris_wall_clock() -> None:
    assert data.paris_time(data.parse_time("2025-11-04T18:00:00Z")) == "4 Nov 2025 19:00"
    assert data.paris_time(data.parse_time("2025-07-14T18:00:00+00:00")) == "14 Jul 2025 20:00"
    assert data.parse_time("yesterday") is None
    assert data.age(NOW - timedelta(minutes=7), NOW) == "7 min ago"
    assert data.age(None, NOW) == "never"


def stamp() -> charts.Stamp:
    return charts.Stamp(title="T", what="what", when="when (Paris)", credit="Publisher")


def test_arcs_are_drawn_with_one_trace_per_state_and_none_between_arcs() -> None:
    arcs = [
        {"entity_id": "1", "traffic_state": "Fluide", "geometry": [[2.30, 48.85], [2.31, 48.86]]},
        {"entity_id": "2", "traffic_state": "Fluide", "geometry": [[2.32, 48.85], [2.33, 48.86]]},
        {"entity_id": "3", "traffic_state": "Saturé", "geometry": [[2.34, 48.85], [2.35, 48.86]]},
        {"entity_id": "4", "traffic_state": "Nonsense", "geometry": [[2.36, 48.85], [2.37, 48.8]]},
        {"entity_id": "5", "traffic_state": "Bloqué", "geometry": None},
    ]
    fig = charts.traffic_map(arcs, stamp())
    traces = {t.name: t for t in fig.data if t.name != "Paris"}  # not the city's frame
    assert list(traces) == ["Fluide (2)", "Saturé (1)", "Inconnu (1)"]
    assert list(traces["Fluide (2)"].lon) == [2.30, 2.31, None, 2.32, 2.33, None]
    assert traces["Fluide (2)"].line.color == charts.STATE_COLOURS["Fluide"]


def test_maps_need_no_network_unless_tiles_are_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(charts.TILES_ENV, raising=False)
    fig = charts.parking_map([{"lon": 2.35, "lat": 48.86, "capacity_cars": 100}], stamp())
    assert fig.layout.map.style == "white-bg"
    assert len(fig.layout.map.layers) == 2  # the arrondissements, drawn from bundled polygons
    assert "Arrondissements: Ville de Paris, ODbL" in fig.layout.title.subtitle.text
    monkeypatch.setenv(charts.TILES_ENV, "carto-positron")
    assert charts.parking_map([], stamp()).layout.map.style == "carto-positron"
    monkeypatch.setenv(charts.TILES_ENV, "https://example.org/style.json")
    assert charts.tiles() == "white-bg"


def test_the_backdrop_is_the_twenty_arrondissements() -> None:
    features = charts.backdrop()["features"]
    assert sorted(f["id"] for f in features) == list(range(1, 21))


def test_long_stamps_wrap_and_push_the_plot_down() -> None:
    long = charts.Stamp(title="T", what="w " * 60, when="when", credit="c " * 60)
    fig = charts.trend([NOW], [1.0], long, y_title="y")
    lines = fig.layout.title.subtitle.text.split("<br>")
    assert len(lines) >= 4
    assert all(len(line) <= charts.SUBTITLE_WIDTH for line in lines)
    assert fig.layout.margin.t > len(lines) * 14


def test_the_serve_command_runs_streamlit_headless_on_the_given_address() -> None:
    argv = serve.command("0.0.0.0", 8600)
    assert argv[1:4] == ["-m", "dashboard.serve", serve.STREAMLIT]
    args = argv[4:]
    assert args[:2] == ["run", str(serve.APP)]
    flags = dict(zip(args[2::2], args[3::2], strict=True))
    assert flags["--server.headless"] == "true"
    assert flags["--server.address"] == "0.0.0.0"
    assert flags["--server.port"] == "8600"
    assert flags["--browser.gatherUsageStats"] == "false"


def test_the_daemons_record_of_what_it_runs_wins_over_the_dashboards_settings() -> None:
    # The dashboard has no SNCF token, the daemon has: departures runs.
    running = {**state(timedelta(minutes=1)), "enabled": True, "disabled_reason": None}
    # The daemon switched parking off; the dashboard's settings do not know.
    off = {**state(None), "enabled": False, "disabled_reason": "switched off (ENABLED=false)"}
    judged = {
        f.source: f for f in data.judge(CATALOGUE, {"departures": running, "parking": off}, NOW)
    }
    assert judged["departures"].status == "ok"
    assert (judged["parking"].status, judged["parking"].detail) == (
        "disabled",
        "switched off (ENABLED=false)",
    )
