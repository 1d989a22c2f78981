"""Plotly figures: pure functions of plain data, each stamped with what it shows, when, and whose.

Maps draw with no network by default: a tile-less base (``white-bg``) with the bundled
arrondissement polygons as the backdrop. ``PARIS_DASHBOARD_TILES`` (e.g. ``carto-positron``)
puts map tiles under them when the browser is online.

Maps carry no centre or zoom: plotly.js fits each map, in the browser, to its traces, which
always include the corners of Paris (:func:`paris_bounds`). So the whole city, Bois de Boulogne
and Bois de Vincennes included, shows at whatever width the map is drawn, phone or desktop.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import plotly.express as px  # type: ignore[import-untyped]
import plotly.graph_objects as go  # type: ignore[import-untyped]
from plotly.colors import sample_colorscale  # type: ignore[import-untyped]

from collector.geo import ATTRIBUTION as ARRONDISSEMENTS_CREDIT
from collector.geo import arrondissements_geojson
from dashboard.data import PARIS

TILES_ENV = "PARIS_DASHBOARD_TILES"
TILE_STYLES = frozenset(
    {
        "white-bg", "basic", "carto-darkmatter", "carto-darkmatter-nolabels", "carto-positron",
        "carto-positron-nolabels", "carto-voyager", "carto-voyager-nolabels", "dark", "light",
        "open-street-map", "outdoors", "satellite", "satellite-streets", "streets",
    }
)  # fmt: skip
MAP_HEIGHT = 400
CHART_HEIGHT = 300
SUBTITLE_WIDTH = 72
"""Characters per subtitle line: fits a chart in a two-fifths column of a wide page."""
TITLE_WIDTH = 40
"""Characters per title line: fits a phone's width (``velib_availability: ebike_available``)."""
TITLE_SIZE, SUBTITLE_SIZE = 16, 11
TITLE_PAD, TITLE_LINE, SUBTITLE_LINE, TITLE_GAP = 12, 28, 15, 26
"""Pixels: above the title, the title's line and the space to its subtitle, each subtitle
line (plotly's line height is 1.3 em of :data:`SUBTITLE_SIZE`), and between the subtitle and
the plot."""
FEW_POINTS = 24
"""Up to this many points a trend draws big markers: each one is a run worth seeing."""
SHORTEST_SPAN = timedelta(hours=2)
"""A trend's x axis spans at least this much, centred on its points (one point included)."""

ZONE_SCALE = "RdYlGn"
"""Red (low) to green (high), for a 0-100 share per arrondissement."""

STATE_COLOURS: dict[str, str] = {
    "Fluide": "#2e7d32",
    "Pré-saturé": "#f9a825",
    "Saturé": "#e65100",
    "Bloqué": "#8b0000",
    "Inconnu": "#9e9e9e",
}


@dataclass(frozen=True)
class Stamp:
    """What a chart shows, of which moment, and whose data it is."""

    title: str
    what: str
    when: str
    credit: str


def tiles() -> str:
    """The map style: ``white-bg`` (no network) unless ``PARIS_DASHBOARD_TILES`` names one."""
    style = os.environ.get(TILES_ENV, "").strip() or "white-bg"
    return style if style in TILE_STYLES else "white-bg"


def local(moment: datetime) -> datetime:
    """A UTC time as naive Paris wall-clock time (what plotly puts on an axis)."""
    return moment.astimezone(PARIS).replace(tzinfo=None)


def _subtitle(stamp: Stamp) -> list[str]:
    """The stamp's lines, wrapped so that a chart in a narrow column keeps all of them."""
    lines = []
    for text in (stamp.what, stamp.when, f"Source: {stamp.credit}"):
        lines += textwrap.wrap(text, SUBTITLE_WIDTH, break_on_hyphens=False)
    return lines


def _finish(
    fig: go.Figure, stamp: Stamp, *, height: int = CHART_HEIGHT, right: int = 10
) -> go.Figure:
    lines = _subtitle(stamp)
    title = textwrap.wrap(stamp.title, TITLE_WIDTH, break_on_hyphens=False) or [""]
    # The top margin holds the title block (pad, title and subtitle lines) and a gap of
    # :data:`TITLE_GAP` above the plot, where the top tick label ("100 %") reaches up.
    top = round(
        TITLE_PAD
        + TITLE_LINE
        + TITLE_SIZE * 1.3 * (len(title) - 1)
        + SUBTITLE_LINE * len(lines)
        + TITLE_GAP
    )
    fig.update_layout(
        title={
            "text": "<br>".join(title),
            "font": {"size": TITLE_SIZE},
            "subtitle": {"text": "<br>".join(lines), "font": {"size": SUBTITLE_SIZE}},
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"l": 10, "t": TITLE_PAD},
        },
        height=height + top,
        margin={"l": 10, "r": right, "t": top, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 0, "x": 0, "bgcolor": "#ffffffcc"},
    )
    return fig


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list):
        return [_round_coords(v) for v in value]
    return value


class Bounds(NamedTuple):
    west: float
    south: float
    east: float
    north: float

    def contains(self, other: Bounds) -> bool:
        return (
            self.west <= other.west
            and self.south <= other.south
            and self.east >= other.east
            and self.north >= other.north
        )


def _positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every (lon, lat) of a GeoJSON geometry's nested coordinate lists."""
    if coordinates and isinstance(coordinates[0], int | float):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for part in coordinates:
        yield from _positions(part)


@cache
def paris_bounds() -> Bounds:
    """The box around the 20 arrondissements, both Bois included (as the bundled polygons)."""
    points = [p for f in backdrop()["features"] for p in _positions(f["geometry"]["coordinates"])]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return Bounds(min(lons), min(lats), max(lons), max(lats))


def _paris_frame() -> go.Scattermap:
    """Paris's corners as an invisible trace: plotly fits the map to the traces it draws, so
    the city stays whole even when the data covers a part of it."""
    box = paris_bounds()
    return go.Scattermap(
        lon=[box.west, box.east], lat=[box.south, box.north], mode="markers",
        marker={"size": 1, "opacity": 0}, hoverinfo="skip", showlegend=False, name="Paris",
    )  # fmt: skip


@cache
def backdrop() -> dict[str, Any]:
    """The 20 arrondissements, coordinates rounded to ~1 m, keyed by ``id`` = number."""
    features = [
        {
            "type": "Feature",
            "id": int(f["properties"]["c_ar"]),
            "properties": {"c_ar": int(f["properties"]["c_ar"])},
            "geometry": {
                "type": f["geometry"]["type"],
                "coordinates": _round_coords(f["geometry"]["coordinates"]),
            },
        }
        for f in arrondissements_geojson()["features"]
    ]
    return {"type": "FeatureCollection", "features": features}


def _map_layout(fig: go.Figure, stamp: Stamp) -> go.Figure:
    layers = [
        {"sourcetype": "geojson", "source": backdrop(), "type": "fill",
         "color": "rgba(120,120,120,0.06)", "below": "traces"},
        {"sourcetype": "geojson", "source": backdrop(), "type": "line",
         "color": "#8a8a8a", "line": {"width": 1}, "below": "traces"},
    ]  # fmt: skip
    fig.add_trace(_paris_frame())
    # No centre nor zoom: either would switch plotly's fit to the traces off.
    fig.update_layout(map={"style": tiles(), "fitbounds": "locations", "layers": layers})
    credit = f"{stamp.credit}; {ARRONDISSEMENTS_CREDIT}"
    return _finish(fig, Stamp(stamp.title, stamp.what, stamp.when, credit), height=MAP_HEIGHT)


def _map_colorbar(title: str) -> dict[str, Any]:
    """A short horizontal scale in the map's top-right corner, over the empty land north-east
    of Paris: a vertical one beside the map takes a fifth of a phone's width from the city."""
    return {
        "title": {"text": title, "side": "top", "font": {"size": 11}},
        "orientation": "h", "x": 1, "xanchor": "right", "y": 1, "yanchor": "top",
        "len": 0.32, "thickness": 8, "nticks": 4, "tickfont": {"size": 10},
        "bgcolor": "rgba(255,255,255,0.8)",
    }  # fmt: skip


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


# parking ----------------------------------------------------------------------------------
def parking_map(car_parks: Iterable[Mapping[str, Any]], stamp: Stamp) -> go.Figure:
    """Car parks as circles sized by car capacity and coloured by occupancy."""
    rows = [
        r for r in car_parks if _num(r.get("lon")) is not None and _num(r.get("lat")) is not None
    ]
    biggest = max((_num(r.get("capacity_cars")) or 0 for r in rows), default=0) or 1

    def size(row: Mapping[str, Any]) -> float:
        return 6 + 24 * math.sqrt((_num(row.get("capacity_cars")) or 0) / biggest)

    def hover(row: Mapping[str, Any]) -> str:
        rate = _num(row.get("occupancy_rate"))
        return (
            f"<b>{row.get('name') or row.get('entity_id')}</b><br>{row.get('address') or ''}"
            f"<br>car places: {_fmt(row.get('capacity_cars'), '{:.0f}', 'unknown')}"
            f"<br>free: {_fmt(row.get('free_places'), '{:.0f}', 'unknown')}"
            f"<br>occupancy: {f'{rate:.0%}' if rate is not None else 'unknown'}"
        )

    fig = go.Figure()
    unknown = [r for r in rows if _num(r.get("occupancy_rate")) is None]
    live = [r for r in rows if _num(r.get("occupancy_rate")) is not None]
    if unknown:
        fig.add_trace(
            go.Scattermap(
                lon=[r["lon"] for r in unknown], lat=[r["lat"] for r in unknown],
                mode="markers", name=f"occupancy unknown ({len(unknown)})",
                marker={"size": [size(r) for r in unknown], "color": "#9e9e9e", "opacity": 0.6},
                hovertext=[hover(r) for r in unknown], hoverinfo="text",
            )
        )  # fmt: skip
    if live:
        fig.add_trace(
            go.Scattermap(
                lon=[r["lon"] for r in live], lat=[r["lat"] for r in live],
                mode="markers", name=f"live occupancy ({len(live)})",
                marker={
                    "size": [size(r) for r in live],
                    "color": [100 * float(r["occupancy_rate"]) for r in live],
                    "colorscale": "RdYlGn_r", "cmin": 0, "cmax": 100, "opacity": 0.85,
                    "colorbar": _map_colorbar("occupied %"),
                },
                hovertext=[hover(r) for r in live], hoverinfo="text",
            )
        )  # fmt: skip
    return _map_layout(fig, stamp)


def prices_by_zone(
    zones: Sequence[Mapping[str, Any]],
    duration: str,
    stamp: Stamp,
    *,
    city_median: float | None = None,
) -> go.Figure:
    """Median price of one duration per arrondissement, min-max as error bars, city median."""
    names, medians, low, high, counts = [], [], [], [], []
    for zone in zones:
        stats = next((d for d in zone.get("durations", []) if d.get("duration") == duration), None)
        median = _num(stats.get("median_eur")) if stats else None
        if stats is None or median is None:
            continue
        names.append(zone.get("zone", "?"))
        medians.append(median)
        low.append(median - (_num(stats.get("min_eur")) or median))
        high.append((_num(stats.get("max_eur")) or median) - median)
        counts.append(stats.get("car_parks_priced", 0))
    fig = go.Figure(
        go.Bar(
            x=names, y=medians, marker_color="#1565c0", customdata=counts,
            error_y={"type": "data", "symmetric": False, "array": high, "arrayminus": low,
                     "color": "#90a4ae"},
            hovertemplate="%{x}<br>median %{y:.2f} €<br>%{customdata} car parks<extra></extra>",
        )
    )  # fmt: skip
    right = 10
    if city_median is not None and _num(city_median) is not None:
        fig.add_hline(y=city_median, line={"dash": "dot", "color": "#455a64"})
        # The label goes in the right margin, level with its line: inside the plot it would
        # sit on the bars of whichever arrondissements are near the median.
        fig.add_annotation(
            x=1, xref="paper", xanchor="left", xshift=4, y=city_median, yref="y",
            text=f"city<br>median<br>{city_median:.2f} €", showarrow=False, align="left",
            font={"size": 11, "color": "#455a64"},
        )  # fmt: skip
        right = 64
    fig.update_layout(yaxis_title=f"{duration}, € (median, min-max)", xaxis={"type": "category"})
    return _finish(fig, stamp, right=right)


# traffic ----------------------------------------------------------------------------------
def traffic_map(arcs: Iterable[Mapping[str, Any]], stamp: Stamp) -> go.Figure:
    """Arcs as lines, one trace per traffic state, arcs separated by ``None`` in each trace."""
    lon: dict[str, list[float | None]] = {s: [] for s in STATE_COLOURS}
    lat: dict[str, list[float | None]] = {s: [] for s in STATE_COLOURS}
    text: dict[str, list[str | None]] = {s: [] for s in STATE_COLOURS}
    count = dict.fromkeys(STATE_COLOURS, 0)
    for arc in arcs:
        geometry = arc.get("geometry")
        if not geometry:
            continue
        state = str(arc.get("traffic_state"))
        state = state if state in lon else "Inconnu"
        label = (
            f"<b>{road_label(arc.get('label')) or arc.get('entity_id')}</b><br>{state}"
            f"<br>flow: {_fmt(arc.get('flow_q'), '{:.0f} veh/h')}"
            f"<br>occupancy: {_fmt(arc.get('occupancy_k'), '{:.1f} %')}"
        )
        for point in geometry:
            lon[state].append(point[0])
            lat[state].append(point[1])
            text[state].append(label)
        lon[state].append(None)
        lat[state].append(None)
        text[state].append(None)
        count[state] += 1
    fig = go.Figure()
    for state, colour in STATE_COLOURS.items():
        if count[state]:
            fig.add_trace(
                go.Scattermap(
                    lon=lon[state], lat=lat[state], mode="lines", name=f"{state} ({count[state]})",
                    line={"color": colour, "width": 2.5 if state != "Inconnu" else 1.5},
                    hovertext=text[state], hoverinfo="text", connectgaps=False,
                )
            )  # fmt: skip
    return _map_layout(fig, stamp)


LOWER_WORDS = frozenset({"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le",
                         "les", "sur"})  # fmt: skip
"""French particles, lower case inside a road's name (``Quai de la Rapee``)."""


def _word(word: str, first: bool) -> str:
    if not word.isalpha():  # a code (A4, CF1424, 11) as the upstream gives it
        return word
    if not first and word.lower() in LOWER_WORDS:
        return word.lower()
    return word.capitalize()


def road_label(label: Any) -> str | None:
    """A road section's label for people: ``AV_CHAMPS_ELYSEES`` -> ``Av Champs Elysees``.

    Underscores become spaces. An all-capitals label is recased word by word (``SAINT-MICHEL``
    -> ``Saint-Michel``, ``DE`` -> ``de``); a label with lower case letters keeps its casing.
    """
    if not isinstance(label, str):  # None, or pandas' NaN for a missing label
        return None
    text = " ".join(label.replace("_", " ").split())
    if not text or text != text.upper():
        return text or None
    words = []
    for i, word in enumerate(text.split(" ")):
        parts = re.split(r"([-'’])", word)
        words.append("".join(_word(part, i == 0 and j == 0) for j, part in enumerate(parts)))
    return " ".join(words)


def _fmt(value: Any, pattern: str, missing: str = "not measured") -> str:
    number = _num(value)
    return missing if number is None else pattern.format(number)


def zone_choropleth(
    values: Mapping[int, float], hover: Mapping[int, str], stamp: Stamp, *, label: str
) -> go.Figure:
    """A 0-100 value per arrondissement (1-20) on the bundled polygons, green = high.

    Each arrondissement is a filled outline, and a dot at its middle holds the hover text and
    the colour scale. (plotly's ``choroplethmap`` would do both, but it turns the map's fit to
    the data off, and the city would be cut at some widths.)
    """
    features = {f["id"]: f["geometry"] for f in backdrop()["features"]}
    numbers = [n for n in sorted(values) if n in features]
    fig = go.Figure()
    for number in numbers:
        lon, lat = _outline(features[number])
        colour = sample_colorscale(ZONE_SCALE, min(max(values[number], 0), 100) / 100)[0]
        fig.add_trace(
            go.Scattermap(
                lon=lon, lat=lat, mode="lines", fill="toself", fillcolor=_alpha(colour, 0.7),
                line={"color": "#ffffff", "width": 1}, hoverinfo="skip", showlegend=False,
                name=f"arrondissement {number}",
            )
        )  # fmt: skip
    middles = [_middle(features[n]) for n in numbers]
    fig.add_trace(
        go.Scattermap(
            lon=[m[0] for m in middles], lat=[m[1] for m in middles], mode="markers",
            marker={
                "size": 11, "color": [values[n] for n in numbers], "cmin": 0, "cmax": 100,
                "colorscale": ZONE_SCALE, "opacity": 1,
                "colorbar": _map_colorbar(label),
            },
            text=[hover.get(n, "") for n in numbers], hoverinfo="text", showlegend=False,
            name=label,
        )
    )  # fmt: skip
    return _map_layout(fig, stamp)


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    """The outer ring of each polygon of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def _outline(geometry: Mapping[str, Any]) -> tuple[list[float | None], list[float | None]]:
    """The rings as one line, a ``None`` between two: plotly fills each part on its own."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    for ring in _rings(geometry):
        if lon:
            lon.append(None)
            lat.append(None)
        lon += [p[0] for p in ring]
        lat += [p[1] for p in ring]
    return lon, lat


def _middle(geometry: Mapping[str, Any]) -> tuple[float, float]:
    """The centroid of the largest ring (the arrondissements are compact: it lies inside)."""
    ring = max(_rings(geometry), key=lambda r: abs(_area(r)))
    area = _area(ring)
    if area == 0:
        return ring[0][0], ring[0][1]
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * area), cy / (6 * area)


def _area(ring: Sequence[Sequence[float]]) -> float:
    return (
        sum(
            x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True)
        )
        / 2
    )


def _alpha(colour: str, opacity: float) -> str:
    """``rgb(r, g, b)`` (as plotly samples a scale) with an opacity."""
    return colour.replace("rgb(", "rgba(").replace(")", f", {opacity})")


# series and bars ------------------------------------------------------------------------
def trend(
    times: Sequence[datetime],
    values: Sequence[float | None],
    stamp: Stamp,
    *,
    y_title: str,
    percent: bool = False,
    y_range: tuple[float, float] | None = None,
) -> go.Figure:
    """A time series on Paris wall-clock time.

    A short series gets big markers, and an x axis of at least :data:`SHORTEST_SPAN` around
    its points: plotly's own range around a single point is a millisecond wide.
    """
    x = [local(t) for t in times]
    measured = sum(1 for v in values if _num(v) is not None)
    fig = go.Figure(
        go.Scatter(
            x=x, y=list(values), mode="lines+markers",
            line={"color": "#1565c0", "width": 2},
            marker={"size": 8 if measured <= FEW_POINTS else 4}, connectgaps=False,
            hovertemplate="%{x|%d %b %H:%M}<br>%{y" + (":.1%" if percent else ":.1f") + "}"
            "<extra></extra>",
        )
    )  # fmt: skip
    xaxis: dict[str, Any] = {"title": "Paris time"}
    if x and max(x) - min(x) < SHORTEST_SPAN:
        middle = min(x) + (max(x) - min(x)) / 2
        xaxis["range"] = [middle - SHORTEST_SPAN / 2, middle + SHORTEST_SPAN / 2]
    yaxis: dict[str, Any] = {"title": y_title, "tickformat": ".0%" if percent else None}
    if y_range is not None:
        yaxis["range"] = y_range
    elif all(v >= 0 for v in (_num(v) for v in values) if v is not None):
        # Counts and shares start at zero: no "-0.5 stations" below a flat series of zeros.
        yaxis["rangemode"] = "tozero"
    fig.update_layout(yaxis=yaxis, xaxis=xaxis)
    return _finish(fig, stamp)


def bars(
    labels: Sequence[str], values: Sequence[float], stamp: Stamp, *, x_title: str
) -> go.Figure:
    """Horizontal bars, largest on top."""
    fig = go.Figure(
        go.Bar(
            x=list(values)[::-1], y=list(labels)[::-1], orientation="h", marker_color="#1565c0",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(xaxis_title=x_title, yaxis={"automargin": True})
    return _finish(fig, stamp, height=max(CHART_HEIGHT, 60 + 26 * len(labels)))


# any plugin's records ---------------------------------------------------------------------
def points_map(
    records: Iterable[Mapping[str, Any]],
    stamp: Stamp,
    *,
    lat: str,
    lon: str,
    colour: str | None = None,
    label: str = "entity_id",
) -> go.Figure:
    """Records with coordinates as points, coloured by one numeric field (the generic page)."""
    rows = [r for r in records if _num(r.get(lat)) is not None and _num(r.get(lon)) is not None]
    columns: dict[str, list[Any]] = {
        "lat": [r[lat] for r in rows],
        "lon": [r[lon] for r in rows],
        "label": [str(r.get(label) or r.get("entity_id")) for r in rows],
    }
    if colour is not None:
        columns[colour] = [_num(r.get(colour)) for r in rows]
    fig = px.scatter_map(
        columns, lat="lat", lon="lon", color=colour, hover_name="label",
        color_continuous_scale="Viridis", map_style=tiles(),
    )  # fmt: skip
    fig.update_traces(marker={"size": 8, "opacity": 0.8})
    fig.update_layout(coloraxis_colorbar=_map_colorbar(colour or ""))
    return _map_layout(fig, stamp)


# long ranges from the lake -------------------------------------------------------------------
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = list(range(24))
BAND_COLOUR = "rgba(21,101,192,0.15)"
TODAY_COLOUR = "#d84315"


def typical_day(
    rows: Sequence[Mapping[str, Any]],
    stamp: Stamp,
    *,
    y_title: str,
    percent: bool = False,
    y_range: tuple[float, float] | None = None,
) -> go.Figure:
    """Today's curve over the usual band, per Paris hour of the day (the Sytadin habit).

    ``rows``: one per hour 0-23 with ``value`` (today), ``median``, ``p10`` and ``p90`` (the
    usual day); a missing value is a gap, not a zero.
    """
    by_hour = {int(r["hour"]): r for r in rows}

    def column(name: str) -> list[float | None]:
        return [_num(by_hour.get(h, {}).get(name)) for h in HOURS]

    fmt = ":.1%" if percent else ":.1f"
    fig = go.Figure()
    # p90 first, invisible; p10 fills up to it: plotly fills between consecutive traces.
    fig.add_trace(
        go.Scatter(
            x=HOURS, y=column("p90"), mode="lines", line={"width": 0}, name="usual p90",
            showlegend=False, hovertemplate="%{x}:00 p90 %{y" + fmt + "}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=HOURS, y=column("p10"), mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor=BAND_COLOUR, name="usual p10-p90",
            hovertemplate="%{x}:00 p10 %{y" + fmt + "}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=HOURS, y=column("median"), mode="lines", name="usual median",
            line={"color": "#1565c0", "width": 1.5, "dash": "dot"},
            hovertemplate="%{x}:00 median %{y" + fmt + "}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=HOURS, y=column("value"), mode="lines+markers", name="today",
            line={"color": TODAY_COLOUR, "width": 2.5}, marker={"size": 5}, connectgaps=False,
            hovertemplate="%{x}:00 today %{y" + fmt + "}<extra></extra>",
        )
    )  # fmt: skip
    yaxis: dict[str, Any] = {"title": y_title, "tickformat": ".0%" if percent else None}
    if y_range is not None:
        yaxis["range"] = y_range
    fig.update_layout(
        xaxis={"title": "hour of the day (Paris)", "range": [-0.5, 23.5], "dtick": 3},
        yaxis=yaxis,
    )
    return _finish(fig, stamp)


def week_heatmap(
    rows: Iterable[Mapping[str, Any]], stamp: Stamp, *, label: str, percent: bool = False
) -> go.Figure:
    """A mean per (Paris weekday, hour): 7 rows Monday to Sunday, 24 columns; an hour with
    no sample is blank."""
    z: list[list[float | None]] = [[None] * 24 for _ in WEEKDAYS]
    for row in rows:
        day, hour, value = row.get("weekday"), row.get("hour"), _num(row.get("value"))
        if isinstance(day, int) and isinstance(hour, int) and 0 <= day < 7 and 0 <= hour < 24:
            z[day][hour] = value
    fmt = ":.0%" if percent else ":.1f"
    fig = go.Figure(
        go.Heatmap(
            z=z, x=HOURS, y=list(WEEKDAYS), colorscale="RdYlGn_r", hoverongaps=False,
            zmin=0 if percent else None, zmax=1 if percent else None,
            colorbar={"title": {"text": label, "side": "right"}, "thickness": 10,
                      "tickformat": ".0%" if percent else None},
            hovertemplate="%{y} %{x}:00<br>%{z" + fmt + "}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        xaxis={"title": "hour of the day (Paris)", "dtick": 3},
        yaxis={"autorange": "reversed"},  # Monday on top, as a calendar reads
    )
    return _finish(fig, stamp, right=10)
