"""Departures per station and in total, with the mean delay and the share delayed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aggregations._common import Row, known, mean, ratio, rows_of, settings_of
from aggregations._departures import DATASET, UNKNOWN, coverage, running, text, unique
from aggregations.departures_total.models import DeparturesTotal, Punctuality, StationDepartures
from aggregations.departures_total.settings import DeparturesTotalSettings
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> DeparturesTotal:
    threshold = settings_of(inputs, DeparturesTotalSettings).delay_threshold_minutes
    every = unique(rows_of(inputs, DATASET, latest=False))
    rows = running(every)
    stations: dict[str, list[Row]] = defaultdict(list)
    for row in every:
        stations[text(row, "stop_area_id") or UNKNOWN].append(row)
    lines = [
        StationDepartures(
            stop_area_id=stop_area,
            station=next((n for m in members if (n := text(m, "station"))), None),
            **_punctuality(members, threshold),
        )
        for stop_area, members in stations.items()
    ]
    lines.sort(key=lambda s: (-s.departures, s.station or "", s.stop_area_id))
    return DeparturesTotal(
        **coverage(rows, window),
        delay_threshold_minutes=threshold,
        cancelled=len(every) - len(rows),
        total=Punctuality(**_punctuality(every, threshold)),
        stations=lines,
    )


def _punctuality(members: Sequence[Row], threshold: float) -> dict[str, Any]:
    rows = running(members)
    delays = known(rows, "delay_minutes")
    delayed = sum(1 for delay in delays if delay > threshold)
    return {
        "departures": len(rows),
        "departures_with_delay": len(delays),
        "departures_realtime": sum(1 for row in rows if row.get("data_freshness") == "realtime"),
        "mean_delay_minutes": mean(delays),
        "delayed": delayed,
        "share_delayed": ratio(delayed, len(delays)),
        "cancelled": len(members) - len(rows),
    }
