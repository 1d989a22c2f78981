"""Departures per network over the window, with each network's share."""

from __future__ import annotations

from collections import Counter

from aggregations._common import ranked_counts, ratio, rows_of
from aggregations._departures import DATASET, UNKNOWN, cancelled, coverage, running, text, unique
from aggregations.departures_by_network.models import DeparturesByNetwork, NetworkShare
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> DeparturesByNetwork:
    every = unique(rows_of(inputs, DATASET, latest=False))
    rows = running(every)
    counts = Counter(text(row, "network") or UNKNOWN for row in rows)
    lost = Counter(text(row, "network") or UNKNOWN for row in every if cancelled(row))
    # A network whose every train was cancelled is listed too, with 0 departures.
    ranked = ranked_counts({network: counts[network] for network in counts | lost})
    return DeparturesByNetwork(
        **coverage(rows, window),
        cancelled=len(every) - len(rows),
        networks=[
            NetworkShare(
                network=network, departures=n, share=ratio(n, len(rows)), cancelled=lost[network]
            )
            for network, n in ranked
        ],
    )
