"""The N destinations (terminus labels) with the most departures over the window."""

from __future__ import annotations

from collections import Counter

from aggregations._common import ranked_counts, ratio, rows_of, settings_of
from aggregations._departures import DATASET, coverage, running, text, unique
from aggregations.departures_top_destinations.models import Destination, TopDestinations
from aggregations.departures_top_destinations.settings import TopDestinationsSettings
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> TopDestinations:
    top_n = settings_of(inputs, TopDestinationsSettings).top_n
    every = unique(rows_of(inputs, DATASET, latest=False))
    rows = running(every)
    directions = [text(row, "direction") for row in rows]
    counts = Counter(d for d in directions if d is not None)
    top = ranked_counts(counts)[:top_n]
    return TopDestinations(
        **coverage(rows, window),
        cancelled=len(every) - len(rows),
        top_n=top_n,
        destinations_total=len(counts),
        departures_without_direction=directions.count(None),
        other_departures=len(rows) - sum(n for _, n in top),
        destinations=[
            Destination(rank=i, direction=d, departures=n, share=ratio(n, len(rows)))
            for i, (d, n) in enumerate(top, start=1)
        ],
    )
