"""The figures themselves: maps that fit Paris, short trends, the price chart's median line, road
labels, and the traffic page's time range (run with AppTest on the seeded store)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]
import pytest
import shapely
from shapely.geometry import shape

from collector.geo import arrondissements_geojson
from dashboard import charts
from tests.dashboard.conftest import RunPage
from tests.dashboard.seed import Seeded

STAMP = charts.Stamp("A title", "what it shows", "when", "whose")
T0 = datetime(2025, 11, 4, 19, tzinfo=UTC)


def traces_bounds(fig: go.Figure) -> charts.Bounds:
    """The box of every point the figure's traces draw (what plotly.js fits the map to)."""
    lons = [x for t in fig.data for x in (t.lon or ()) if x is not None]
    lats = [y for t in fig.data for y in (t.lat or ()) if y is not None]
    return charts.Bounds(min(lons), min(lats), max(lons), max(lats))


def maps() -> dict[str, go.Figure]:
    """Every kind of map, each on data covering a corner of Paris only (one point, one arc)."""
    car_park = {"entity_id": "p1", "lon": 2.35, "lat": 48.86, "capacity_cars": 100,
                "occupancy_rate": 0.5}  # fmt: skip
    arc = {"entity_id": "a1", "geometry": [[2.33, 48.85], [2.34, 48.851]],
           "traffic_state": "Fluide", "label": "AV_CHAMPS_ELYSEES"}  # fmt: skip
    return {
        "parking": charts.parking_map([car_park], STAMP),
        "traffic": charts.traffic_map([arc], STAMP),
        "choropleth": charts.zone_choropleth({4: 50.0}, {4: "Paris 4e"}, STAMP, label="x %"),
        "points": charts.points_map([car_park], STAMP, lat="lat", lon="lon", colour="lat"),
    }


def test_paris_bounds_hold_both_bois() -> None:
    polygons = [shape(f["geometry"]) for f in arrondissements_geojson()["features"]]
    west, south, east, north = shapely.union_all(polygons).bounds
    box = charts.paris_bounds()
    # Rounded to ~1 m in the backdrop: the same box to 1e-5 degree.
    assert box == pytest.approx(charts.Bounds(west, south, east, north), abs=1e-5)
    assert box.west < 2.23  # the Bois de Boulogne's western edge, not the 16e's streets
    assert box.east > 2.46  # the Bois de Vincennes's eastern edge


@pytest.mark.parametrize("kind", ["parking", "traffic", "choropleth", "points"])
def test_every_map_is_fitted_to_the_whole_city_by_the_browser(kind: str) -> None:
    fig = maps()[kind]
    layout = fig.layout.map
    # plotly.js skips its fit when a centre or a zoom is given, or a choroplethmap is drawn.
    assert layout.fitbounds == "locations"
    assert layout.zoom is None
    assert layout.center.lon is None and layout.center.lat is None
    assert all(t.type == "scattermap" for t in fig.data)
    assert all(t.visible in (None, True) for t in fig.data)
    assert traces_bounds(fig).contains(charts.paris_bounds())


def test_the_choropleth_colours_each_arrondissement_and_hovers_at_its_middle() -> None:
    fig = charts.zone_choropleth(
        {16: 10.0, 4: 90.0}, {16: "Paris 16e", 4: "Paris 4e"}, STAMP, label="fluid %"
    )
    outlines = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in outlines] == ["arrondissement 4", "arrondissement 16"]
    green, red = outlines[0].fillcolor, outlines[1].fillcolor  # RdYlGn: high is green
    assert _rgb(green)[1] > _rgb(green)[0] and _rgb(red)[0] > _rgb(red)[1]
    (middles,) = [t for t in fig.data if t.mode == "markers" and t.hoverinfo == "text"]
    assert list(middles.text) == ["Paris 4e", "Paris 16e"]
    assert list(middles.marker.color) == [90.0, 10.0]
    for (lon, lat), number in zip(zip(middles.lon, middles.lat, strict=True), (4, 16), strict=True):
        feature = next(f for f in arrondissements_geojson()["features"]
                       if int(f["properties"]["c_ar"]) == number)  # fmt: skip
        assert shape(feature["geometry"]).contains(shapely.Point(lon, lat))


def _rgb(colour: str) -> tuple[float, ...]:
    return tuple(float(c) for c in colour[colour.index("(") + 1 : -1].split(",")[:3])


def test_a_single_point_trend_has_a_readable_axis_and_a_visible_marker() -> None:
    fig = charts.trend([T0], [42.0], STAMP, y_title="index")
    (trace,) = fig.data
    assert "markers" in trace.mode and trace.marker.size >= 8
    start, end = fig.layout.xaxis.range
    assert end - start == charts.SHORTEST_SPAN
    assert start < charts.local(T0) < end


def test_a_long_trend_keeps_plotlys_range_and_small_markers() -> None:
    times = [T0 + timedelta(hours=h) for h in range(48)]
    fig = charts.trend(times, [float(h) for h in range(48)], STAMP, y_title="index")
    assert fig.layout.xaxis.range is None
    assert fig.data[0].marker.size < 8


def test_the_city_median_is_labelled_in_the_margin_not_on_the_bars() -> None:
    zone = {"zone": "Paris 1er", "durations": [{"duration": "1h", "median_eur": 4.0,
                                                "min_eur": 3.0, "max_eur": 5.0}]}  # fmt: skip
    fig = charts.prices_by_zone([zone], "1h", STAMP, city_median=3.65)
    (label,) = fig.layout.annotations
    assert "3.65" in label.text
    # Right of the plot area (paper x = 1, anchored by its left edge), in a margin kept for it.
    assert (label.xref, label.x, label.xanchor) == ("paper", 1, "left")
    assert fig.layout.margin.r >= 60
    assert [s.y0 for s in fig.layout.shapes] == [3.65]


def test_the_title_block_sits_in_the_top_margin() -> None:
    fig = charts.trend([T0], [0.5], STAMP, y_title="share", percent=True, y_range=(0, 1))
    title = fig.layout.title
    lines = title.subtitle.text.split("<br>")
    assert len(lines) == 3
    assert (title.yref, title.yanchor, title.y) == ("container", "top", 1)
    # What the title block needs, and room for the "100 %" tick that reaches above the plot.
    needed = charts.TITLE_PAD + charts.TITLE_LINE + charts.SUBTITLE_LINE * len(lines)
    assert fig.layout.margin.t >= needed + 20


@pytest.mark.parametrize(
    ("upstream", "shown"),
    [
        ("AV_CHAMPS_ELYSEES", "Av Champs Elysees"),
        ("QUAI_DE_LA_RAPEE", "Quai de la Rapee"),
        ("BD_SAINT-MICHEL", "Bd Saint-Michel"),
        ("PONT_DE_L'ALMA", "Pont de l'Alma"),
        ("Av_Flandre", "Av Flandre"),
        ("AE_A4_bretelle_11", "AE A4 bretelle 11"),
        ("CF1424->CF0181", "CF1424->CF0181"),
        ("  ", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_road_labels_read_as_names(upstream: Any, shown: str | None) -> None:
    assert charts.road_label(upstream) == shown


def test_the_traffic_map_and_tables_show_readable_road_labels(
    run_page: RunPage, seeded: tuple[Path, Seeded]
) -> None:
    at = run_page("traffic", seeded[0])
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    hovers = [h for t in figure["data"] for h in (t.get("hovertext") or []) if h]
    assert hovers and not any("_" in h.split("</b>")[0] for h in hovers)
    for table in at.dataframe:
        labels = [label for label in table.value["label"] if isinstance(label, str)]
        assert labels and not any("_" in label for label in labels)


def test_the_time_range_drives_the_congestion_trend(
    run_page: RunPage, seeded: tuple[Path, Seeded]
) -> None:
    def trend() -> dict[str, Any]:
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        (spec,) = [s for s in specs if s["layout"]["title"]["text"] == "Road congestion index"]
        return spec

    at = run_page("traffic", seeded[0])
    control = at.segmented_control(key="traffic-range")
    assert control.value == "48 h"
    every = len(trend()["data"][0]["x"])
    assert every >= 6  # the seeded store holds hours of traffic

    control.set_value("6 h").run()
    assert not at.exception, [e.message for e in at.exception]
    recent = trend()
    assert "last 6 h" in recent["layout"]["title"]["subtitle"]["text"]
    assert 0 < len(recent["data"][0]["x"]) < every
    newest = max(datetime.fromisoformat(x) for x in recent["data"][0]["x"])
    oldest = min(datetime.fromisoformat(x) for x in recent["data"][0]["x"])
    assert newest - oldest <= timedelta(hours=6)


def test_a_trend_of_counts_starts_at_zero_and_one_going_negative_does_not() -> None:
    times = [T0, T0 + timedelta(hours=1)]
    assert charts.trend(times, [0.0, 0.0], STAMP, y_title="n").layout.yaxis.rangemode == "tozero"
    signed = charts.trend(times, [-2.0, 3.0], STAMP, y_title="n").layout.yaxis
    assert signed.rangemode is None
    fixed = charts.trend(times, [1.0, 2.0], STAMP, y_title="n", y_range=(0, 100)).layout.yaxis
    assert tuple(fixed.range) == (0, 100)


def test_a_long_title_wraps_to_a_phones_width_and_the_margin_makes_room() -> None:
    long = charts.Stamp("average_availability_parking: records_without_live_count", "w", "w", "c")
    short = charts.trend([T0], [1.0], STAMP, y_title="n")
    wrapped = charts.trend([T0], [1.0], long, y_title="n")
    lines = wrapped.layout.title.text.split("<br>")
    assert lines == ["average_availability_parking:", "records_without_live_count"]
    assert all(len(line) <= charts.TITLE_WIDTH for line in lines)
    assert wrapped.layout.margin.t > short.layout.margin.t
