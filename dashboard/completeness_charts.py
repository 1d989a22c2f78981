"""The completeness page's figures: sources × time slots by state, and arcs by reporting rate.

Pure functions of the read layer's entries and rates (:mod:`readlayer.completeness`), stamped
and laid out like every other chart (:mod:`dashboard.charts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]

from collector import keys
from dashboard import charts

STATE_COLOURS = {"ok": "#2e7d32", "partial": "#f9a825", "late": "#1e88e5", "missing": "#c62828"}
"""In order of worsening: a cell several slots share shows the worst of them."""
SEVERITY = {state: rank for rank, state in enumerate(STATE_COLOURS)}
MAX_COLUMNS = 240
"""Time cells per row at most: a day of 2-minute slots would be 720 slivers."""
NICE_BUCKETS = tuple(
    timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880)
)
ROW_HEIGHT, MIN_HEIGHT = 36, 160
RATE_BANDS: tuple[tuple[str, str, float], ...] = (
    # label, colour, lowest rate of the band (the never-reporting ones are apart)
    ("reports ≥ 90 %", "#2e7d32", 0.9),
    ("50-90 %", "#9ccc65", 0.5),
    ("10-50 %", "#f9a825", 0.1),
    ("under 10 %", "#e65100", 0.0),
)
NEVER = ("never reported", "#000000")
UNRATED = ("no rate yet", "#bdbdbd")


def bucket_for(span: timedelta, shortest_slot: timedelta) -> timedelta:
    """The cell width: the shortest slot, widened to a round length that keeps a row to
    :data:`MAX_COLUMNS` cells."""
    wanted = max(shortest_slot, span / MAX_COLUMNS)
    return next((b for b in NICE_BUCKETS if b >= wanted), wanted)


@dataclass
class _Cell:
    state: str = "ok"
    slots: int = 0
    expected: int = 0
    received: int = 0
    by_state: dict[str, int] = field(default_factory=dict)

    def add(self, entry: Mapping[str, Any]) -> None:
        state = str(entry.get("state"))
        if self.slots == 0 or SEVERITY.get(state, 0) > SEVERITY.get(self.state, 0):
            self.state = state
        self.slots += 1
        self.expected += _int(entry.get("expected"))
        self.received += _int(entry.get("received"))
        self.by_state[state] = self.by_state.get(state, 0) + 1


def heatmap(
    entries: Iterable[Mapping[str, Any]],
    sources: Sequence[str],
    stamp: charts.Stamp,
    *,
    since: datetime,
    until: datetime,
    bucket: timedelta,
) -> go.Figure:
    """One row per source, one cell per ``bucket`` of ``[since, until)``: the worst state of
    the slots overlapping it; blank where no slot is due yet (or before the ledger started)."""
    starts = [since + i * bucket for i in range(max(1, -(-(until - since) // bucket)))]
    cells: dict[tuple[str, int], _Cell] = {}
    for entry in entries:
        try:
            start = keys.parse_ts(str(entry["slot_start"]))
            end = keys.parse_ts(str(entry["slot_end"]))
        except (KeyError, ValueError):
            continue
        first = max(0, (start - since) // bucket)
        last = min(len(starts) - 1, (end - since - timedelta(microseconds=1)) // bucket)
        for index in range(first, last + 1):
            cells.setdefault((str(entry.get("source")), index), _Cell()).add(entry)
    z: list[list[int | None]] = []
    hover: list[list[str | None]] = []
    for source in sources:
        z.append([])
        hover.append([])
        for index, at in enumerate(starts):
            cell = cells.get((source, index))
            z[-1].append(None if cell is None else SEVERITY.get(cell.state, 0))
            hover[-1].append(None if cell is None else _hover(source, at, bucket, cell))
    n = len(STATE_COLOURS)
    scale = []
    for rank, colour in enumerate(STATE_COLOURS.values()):
        scale += [[rank / n, colour], [(rank + 1) / n, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=[charts.local(t) for t in starts], y=list(sources), zmin=-0.5,
            zmax=n - 0.5, colorscale=scale, showscale=False, hoverongaps=False, xgap=1, ygap=2,
            text=hover, hovertemplate="%{text}<extra></extra>",
        )
    )  # fmt: skip
    for state, colour in STATE_COLOURS.items():  # the legend: one empty trace per state
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=state, hoverinfo="skip",
                marker={"color": colour, "size": 12, "symbol": "square"}, showlegend=True,
            )
        )  # fmt: skip
    height = max(MIN_HEIGHT, ROW_HEIGHT * len(sources) + 60)
    fig.update_layout(
        xaxis={"title": "Paris time", "type": "date"},
        yaxis={"autorange": "reversed", "type": "category"},
    )
    fig = charts._finish(fig, stamp, height=height)
    # The legend under the axis: over the cells it would hide the last row.
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container",
                "yanchor": "bottom", "itemsizing": "constant"},
        margin={"b": 56}, height=fig.layout.height + 46,
    )  # fmt: skip
    return fig


def _hover(source: str, at: datetime, bucket: timedelta, cell: _Cell) -> str:
    when = f"{charts.local(at):%d %b %H:%M}-{charts.local(at + bucket):%H:%M}"
    if cell.slots == 1:
        detail = f"expected {cell.expected}, received {cell.received}"
    else:
        states = ", ".join(f"{cell.by_state[s]} {s}" for s in STATE_COLOURS if s in cell.by_state)
        detail = (
            f"{cell.slots} slots: {states}<br>expected {cell.expected}, received "
            f"{cell.received} (summed)"
        )
    return f"<b>{source}</b> {when}<br>{cell.state}<br>{detail}"


def band(rate: Mapping[str, Any] | None) -> tuple[str, str]:
    """The map's legend entry of one entity's reporting rate."""
    if rate is None or not isinstance(rate.get("rate"), int | float):
        return UNRATED
    if rate.get("last_reported") is None:
        return NEVER
    value = float(rate["rate"])
    return next(((label, c) for label, c, low in RATE_BANDS if value >= low), RATE_BANDS[-1][:2])


def rates_map(
    arcs: Iterable[Mapping[str, Any]], rates: Mapping[str, Mapping[str, Any]], stamp: charts.Stamp
) -> go.Figure:
    """Arcs as lines coloured by reporting rate, the never-reporting ones in black, thicker."""
    order = [*(b[:2] for b in RATE_BANDS), NEVER, UNRATED]
    lon: dict[str, list[float | None]] = {label: [] for label, _ in order}
    lat: dict[str, list[float | None]] = {label: [] for label, _ in order}
    text: dict[str, list[str | None]] = {label: [] for label, _ in order}
    for arc in arcs:
        geometry = arc.get("geometry")
        if not geometry:
            continue
        entity = str(arc.get("entity_id"))
        found = rates.get(entity)
        label, _ = band(found)
        name = charts.road_label(arc.get("label")) or entity
        rate = found.get("rate") if found else None
        value = f"{100 * rate:.0f} %" if isinstance(rate, int | float) else "no rate yet"
        last = found.get("last_reported") if found else None
        tip = f"<b>{name}</b><br>reports {value}<br>last reported: {last or 'never'}"
        for point in geometry:
            lon[label].append(point[0])
            lat[label].append(point[1])
            text[label].append(tip)
        lon[label].append(None)
        lat[label].append(None)
        text[label].append(None)
    fig = go.Figure()
    for label, colour in order:
        count = sum(1 for v in lon[label] if v is None)
        if count:
            fig.add_trace(
                go.Scattermap(
                    lon=lon[label], lat=lat[label], mode="lines", name=f"{label} ({count})",
                    line={"color": colour, "width": 3.5 if label == NEVER[0] else 2},
                    hovertext=text[label], hoverinfo="text", connectgaps=False,
                )
            )  # fmt: skip
    return charts._map_layout(fig, stamp)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
