"""Departures per network over the window, with each network's share."""

from __future__ import annotations

from collections import Counter

from aggregations._common import ranked_counts, ratio, rows_of
from aggregations._departures import DATASET, UNKNOWN, coverage, text, unique
from aggregations.departures_by_network.models import DeparturesByNetwork, NetworkShare
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> DeparturesByNetwork:
    rows = unique(rows_of(inputs, DATASET, latest=False))
    counts = Counter(text(row, "network") or UNKNOWN for row in rows)
    return DeparturesByNetwork(
        **coverage(rows, window),
        networks=[
            NetworkShare(network=network, departures=n, share=ratio(n, len(rows)))
            for network, n in ranked_counts(counts)
        ],
    )
