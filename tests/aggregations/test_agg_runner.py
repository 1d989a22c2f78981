"""The ten aggregations run by the core on a real local store: the right records reach them
(latest snapshot or window) and every gold point reads back as its output model."""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import ANY

from collector.aggregate import AggregationRunner
from collector.plugin import Aggregation
from collector.storage.base import Row
from collector.storage.local import LocalStore
from tests.aggregations.build import END, departure, parking, traffic
from tests.aggregations.test_aggregation_contract import TEN


def silver(dataset: str, record: dict[str, Any]) -> Row:
    return Row(dataset, record["entity_id"], record["observed_at"], record, "raw/test")


async def test_the_core_feeds_and_stores_every_aggregation(tmp_path: Path) -> None:
    rows = [
        silver("parking", parking("1", free=20, minutes_ago=90)),  # before the 1 h window
        silver("parking", parking("1", free=40, minutes_ago=10)),
        silver("parking", parking("2")),
        silver("traffic", traffic("1", "Bloqué", k=70, hours_ago=1)),  # superseded
        silver("traffic", traffic("1", "Fluide", k=5)),
        silver("traffic", traffic("2", "Saturé", k=35)),
        silver("departures", departure("1", minutes_ago=60)),
        silver("departures", departure("2", minutes_ago=25 * 60)),  # before the 24 h window
        silver("departures", departure("3", minutes_ago=-30)),  # about to leave: counted
        silver("departures", departure("4", minutes_ago=-150)),  # beyond the 2 h lead
    ]
    gold: dict[str, dict[str, Any]] = {}
    async with LocalStore(tmp_path) as store:
        await store.put_rows(rows, history=True, expires_at=int(END.timestamp()) + 86_400)
        for name in sorted(TEN):
            plugin: Aggregation = importlib.import_module(f"aggregations.{name}").AGGREGATION
            runner = AggregationRunner(plugin, plugin.settings(), store)
            result = await runner.run(END + timedelta(seconds=30))
            assert result.status == "ok", result.error
            [point] = await store.read_gold(name, "", "~")
            # gold reads back as the model, plus the runner's map of inputs left out
            assert point.data["excluded"] == ({} if name != "overall_occupancy_rate" else ANY)
            own = "excluded" in plugin.output.model_fields
            plugin.output.model_validate(
                {k: v for k, v in point.data.items() if own or k != "excluded"}
            )
            gold[name] = dict(point.data)
    assert gold["average_availability_parking"]["samples"] == 1
    assert gold["average_availability_parking"]["car_parks"][0]["mean_free_places"] == 40.0
    assert gold["number_of_parkings_in_operation"]["in_operation"] == 1
    assert gold["number_of_parkings_in_operation"]["car_parks_total"] == 2
    assert gold["overall_occupancy_rate"]["occupancy_rate"] == 0.6  # (100 - 40) / 100
    # latest hour only: Fluide (0) and Saturé (2) over 2 rated arcs -> 100 * 2 / 6
    assert gold["traffic_congestion_index"]["congestion_index"] == 33.3
    assert gold["traffic_critical_segments"]["saturated"] == 1
    assert gold["traffic_critical_segments"]["blocked"] == 0
    assert gold["traffic_fluidity_by_zone"]["zones"][0]["share_fluid"] == 0.5
    # departures 1 (an hour ago) and 3 (in 30 min): the window is (end - 22 h, end + 2 h]
    assert gold["departures_by_network"]["departures"] == 2
    assert gold["departures_top_destinations"]["departures"] == 2
    assert gold["departures_total"]["departures"] == 2
