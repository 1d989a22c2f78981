"""Plotly figures: pure functions of plain data, each stamped with what it shows, when, and whose.

Maps draw with no network by default: a tile-less base (``white-bg``) with the bundled
arrondissement polygons as the backdrop. ``PARIS_DASHBOARD_TILES`` (e.g. ``carto-positron``)
puts map tiles under them when the browser is online.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import plotly.express as px  # type: ignore[import-untyped]
import plotly.graph_objects as go  # type: ignore[import-untyped]

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
PARIS_CENTER = {"lat": 48.8590, "lon": 2.3470}
PARIS_ZOOM = 10.85
MAP_HEIGHT = 460
CHART_HEIGHT = 300
SUBTITLE_WIDTH = 72
"""Characters per subtitle line: fits a chart in a two-fifths column of a wide page."""

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


def _finish(fig: go.Figure, stamp: Stamp, *, height: int = CHART_HEIGHT) -> go.Figure:
    lines = _subtitle(stamp)
    top = 72 + 18 * len(lines)
    fig.update_layout(
        title={
            "text": stamp.title,
            "subtitle": {"text": "<br>".join(lines)},
            "x": 0,
            "xanchor": "left",
        },
        height=height + top,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 0, "x": 0, "bgcolor": "#ffffffcc"},
    )
    return fig


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list):
        return [_round_coords(v) for v in value]
    return value


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
    fig.update_layout(
        map={"style": tiles(), "center": PARIS_CENTER, "zoom": PARIS_ZOOM, "layers": layers}
    )
    credit = f"{stamp.credit}; {ARRONDISSEMENTS_CREDIT}"
    return _finish(fig, Stamp(stamp.title, stamp.what, stamp.when, credit), height=MAP_HEIGHT)


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
                    "colorbar": {"title": {"text": "occupied %"}, "thickness": 12},
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
    if _num(city_median) is not None:
        fig.add_hline(
            y=city_median, line={"dash": "dot", "color": "#455a64"},
            annotation_text=f"city median {city_median:.2f} €", annotation_position="top left",
            annotation_bgcolor="rgba(255,255,255,0.85)",
        )  # fmt: skip
    fig.update_layout(yaxis_title=f"{duration}, € (median, min-max)", xaxis={"type": "category"})
    return _finish(fig, stamp)


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
            f"<b>{arc.get('label') or arc.get('entity_id')}</b><br>{state}"
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


def _fmt(value: Any, pattern: str, missing: str = "not measured") -> str:
    number = _num(value)
    return missing if number is None else pattern.format(number)


def zone_choropleth(
    values: Mapping[int, float], hover: Mapping[int, str], stamp: Stamp, *, label: str
) -> go.Figure:
    """A 0-100 value per arrondissement (1-20) on the bundled polygons, green = high."""
    numbers = sorted(values)
    fig = go.Figure(
        go.Choroplethmap(
            geojson=backdrop(), locations=numbers, featureidkey="id",
            z=[values[n] for n in numbers], zmin=0, zmax=100, colorscale="RdYlGn",
            marker={"opacity": 0.75, "line": {"width": 1, "color": "#ffffff"}},
            colorbar={"title": {"text": label}, "thickness": 12},
            text=[hover.get(n, "") for n in numbers], hoverinfo="text",
        )
    )  # fmt: skip
    return _map_layout(fig, stamp)


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
    """A time series on Paris wall-clock time."""
    fig = go.Figure(
        go.Scatter(
            x=[local(t) for t in times], y=list(values), mode="lines+markers",
            line={"color": "#1565c0", "width": 2}, marker={"size": 4}, connectgaps=False,
            hovertemplate="%{x|%d %b %H:%M}<br>%{y" + (":.1%" if percent else ":.1f") + "}"
            "<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        yaxis={"title": y_title, "tickformat": ".0%" if percent else None, "range": y_range},
        xaxis={"title": "Paris time"},
    )
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
        color_continuous_scale="Viridis", map_style=tiles(), center=PARIS_CENTER,
        zoom=PARIS_ZOOM,
    )  # fmt: skip
    fig.update_traces(marker={"size": 8, "opacity": 0.8})
    return _map_layout(fig, stamp)
