"""Every aggregation keeps the same shape and promises (one test over all of them).

The checks are :mod:`collector.plugin_checks_agg`, which ``paris-collector test-plugins``
runs on a plugin wherever it lives; here they run on the built-ins and the drop-in of
``tests/plugins``. Each is computed on the records of its sources' golden cases.
"""

from __future__ import annotations

import pytest

from aggregations._common import GoldOutput
from collector.plugin_checks_agg import aggregation_checks
from tests.plugins.discovered import AGGREGATIONS, REGISTRY, aggregation_check_ids

CHECKS = aggregation_check_ids()
BUILT_IN = [n for n in AGGREGATIONS if REGISTRY.aggregations[n].origin.startswith("built-in")]
TEN = {
    "average_availability_parking",
    "number_of_parkings_in_operation",
    "overall_occupancy_rate",
    "reference_pricing",
    "traffic_congestion_index",
    "traffic_critical_segments",
    "traffic_fluidity_by_zone",
    "departures_by_network",
    "departures_top_destinations",
    "departures_total",
}


def test_the_ten_aggregations_are_there() -> None:
    assert set(BUILT_IN) >= TEN
    assert "counter_sum" in AGGREGATIONS


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[f"{n}-{c}" for n, c in CHECKS])
def test_aggregation_check(name: str, check: str) -> None:
    problems = aggregation_checks(REGISTRY.aggregation(name), REGISTRY)[check]()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", BUILT_IN)
def test_builtin_output_model_and_inputs(name: str) -> None:
    plugin = REGISTRY.aggregation(name)
    assert plugin.output.__module__ == f"aggregations.{name}.models"
    assert issubclass(plugin.output, GoldOutput)
    for dataset in (*plugin.inputs, *plugin.latest_inputs):
        assert REGISTRY.sources[dataset.split(".")[0]].origin.startswith("built-in")
