"""What the completeness ledger counts for departures: one slot per run, and what reports is a
station (``stop_area_id``) whose board answered, with trains or empty (at night), not a train."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from collector.plugin import Coverage
from sources.departures.parse import EXTRA, NOTHING_TODAY


def answered(payload: bytes) -> Iterator[str]:
    """The stations of the bundle whose realtime board answered: an error other than "no
    departure this day" is a station that did not answer (the parse sets it aside)."""
    bundle = orjson.loads(payload)
    if not isinstance(bundle, dict):
        return
    for stop_area, answer in bundle.items():
        if stop_area == EXTRA or not isinstance(answer, dict):
            continue
        error = answer.get("error")
        if not isinstance(error, dict) or error.get("id") == NOTHING_TODAY:
            yield str(stop_area)


COVERAGE = Coverage(entity="stop_area_id", answered=answered)
