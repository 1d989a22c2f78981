"""``stations`` after a fix: a departure whose ``links`` the upstream dropped is identified by
its train number and scheduled time instead of being set aside."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson

from collector.plugin import Parsed
from sources.departures import SOURCE as DEPARTURES
from sources.departures.parse import parse as parse_v1


def _identify(departure: Any) -> None:
    if isinstance(departure, dict) and "links" not in departure:
        info = departure.get("display_informations") or {}
        times = departure.get("stop_date_time") or {}
        train, base = info.get("trip_short_name"), times.get("base_departure_date_time")
        journey = f"vehicle_journey:{train}:{base}"
        departure["links"] = [{"type": "vehicle_journey", "id": journey}]


def parse(payload: bytes) -> Iterator[Parsed]:
    bundle = orjson.loads(payload)
    for answer in bundle.values() if isinstance(bundle, dict) else ():
        if isinstance(answer, dict):
            for departure in answer.get("departures") or []:
                _identify(departure)
    return parse_v1(orjson.dumps(bundle))


SOURCE = replace(DEPARTURES, name="stations", description="departures, parser v2", parse=parse)
