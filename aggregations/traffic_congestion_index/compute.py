"""One congestion figure for the city's latest hour: weighted arc states, 0-100."""

from __future__ import annotations

from collections import Counter

from aggregations._common import known, mean, ratio, rows_of
from aggregations._traffic import DATASET, STATES, closed, coverage_note, latest_hour, rated
from aggregations.traffic_congestion_index.models import CongestionIndex, StateShare
from collector.plugin import Inputs, Window

WEIGHTS = {"Fluide": 0, "Pré-saturé": 1, "Saturé": 2, "Bloqué": 3}
"""Thirds of the way to blocked: the index is 100 * Σ weight / (3 * arcs_rated)."""


def compute(inputs: Inputs, window: Window) -> CongestionIndex:
    snapshot = rows_of(inputs, DATASET, latest=True)
    hour = latest_hour(snapshot)
    states = Counter(str(row.get("traffic_state")) for row in hour.rows)
    base = [row for row in hour.rows if rated(row)]
    load = sum(WEIGHTS[str(row["traffic_state"])] for row in base)
    occupancy = known(hour.rows, "occupancy_k")
    note = coverage_note(snapshot, hour)
    if snapshot and not base:
        note = "no open arc with a known traffic state in the latest hour"
    index = ratio(100 * load, 3 * len(base), 1)
    return CongestionIndex(
        data_hour=hour.hour,
        arcs=len(hour.rows),
        arcs_older_hours=hour.older,
        congestion_index=index,
        arcs_rated=len(base),
        arcs_closed=sum(1 for row in hour.rows if closed(row)),
        states=[
            StateShare(state=state, arcs=states[state], share=ratio(states[state], len(hour.rows)))
            for state in STATES
        ],
        arcs_with_occupancy=len(occupancy),
        mean_occupancy_k=mean(occupancy),
        note=note,
    )
