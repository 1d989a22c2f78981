"""Every aggregation folder keeps the same shape and promises (one test over all of them)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, get_type_hints

import orjson
import pytest

from aggregations._common import GoldOutput
from collector.plugin import Aggregation, AggregationSettings, Inputs, Window
from collector.registry import discover
from tests.aggregations.build import END

ROOT = Path(__file__).parents[2] / "aggregations"
SOURCES = Path(__file__).parents[2] / "sources"
NAMES = sorted(
    p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_")
)
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
FILES = ("__init__.py", "compute.py", "models.py", "README.md")
HEADINGS = ["## Definition", "## Inputs", "## Output", "## Edge cases"]
# One real golden case per dataset: silver records exactly as the sources produce them.
SAMPLES = {
    "parking": SOURCES / "parking/testcases/live_joined/expected.json",
    "traffic": SOURCES / "traffic/testcases/hour_with_quirks/expected.json",
    "departures": SOURCES / "departures/testcases/realtime_and_errors/expected.json",
}


def aggregation(name: str) -> Aggregation:
    plugin: Aggregation = importlib.import_module(f"aggregations.{name}").AGGREGATION
    return plugin


def compute(plugin: Aggregation, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    inputs = Inputs(
        latest={d: rows.get(d, []) for d in plugin.latest_inputs},
        window={d: rows.get(d, []) for d in plugin.inputs},
        settings=plugin.settings(),
        now=END,
    )
    output = plugin.compute(inputs, Window(start=END - plugin.window, end=END))
    assert isinstance(output, plugin.output)
    dumped: dict[str, Any] = output.model_dump(mode="json")
    return dumped


def sample(dataset: str) -> list[dict[str, Any]]:
    records = orjson.loads(SAMPLES[dataset].read_bytes())["records"]
    return [r["record"] for r in records if r["dataset"] == dataset]


def test_the_ten_aggregations_are_there() -> None:
    assert set(NAMES) >= TEN


@pytest.mark.parametrize("name", NAMES)
def test_shape(name: str) -> None:
    plugin = aggregation(name)
    assert plugin.name == name
    assert plugin.description
    for file in FILES:
        assert (ROOT / name / file).is_file(), f"{name}/{file} missing"
    readme = (ROOT / name / "README.md").read_text()
    assert readme.startswith(f"# {name}\n")
    assert re.findall(r"^## .*$", readme, flags=re.M) == HEADINGS


@pytest.mark.parametrize("name", NAMES)
def test_output_model_is_the_declared_one(name: str) -> None:
    plugin = aggregation(name)
    assert plugin.output.__module__ == f"aggregations.{name}.models"
    assert issubclass(plugin.output, GoldOutput)
    assert get_type_hints(plugin.compute)["return"] is plugin.output
    assert issubclass(plugin.settings, AggregationSettings)
    plugin.settings()  # every setting has a valid default


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_datasets_of_the_builtin_sources(name: str) -> None:
    registry = discover()
    plugin = aggregation(name)
    assert registry.aggregation(name) is plugin
    read = (*plugin.inputs, *plugin.latest_inputs)
    assert read, "an aggregation reads at least one dataset"
    for dataset in read:
        assert dataset in registry.datasets()
        assert registry.sources[dataset.split(".")[0]].origin.startswith("built-in")
    if plugin.inputs:  # consecutive windows leave no gap
        assert plugin.window >= plugin.interval


@pytest.mark.parametrize("name", NAMES)
def test_missing_inputs_give_an_explained_empty_result(name: str) -> None:
    plugin = aggregation(name)
    for rows in ({}, {d: [] for d in SAMPLES}):
        out = compute(plugin, rows)
        assert out["note"], f"{name} says nothing about its empty result"
        orjson.dumps(out)


@pytest.mark.parametrize("name", NAMES)
def test_real_records_in_any_order_give_the_same_result(name: str) -> None:
    plugin = aggregation(name)
    rows = {d: sample(d) for d in SAMPLES}
    assert all(rows.values())
    forward = compute(plugin, rows)
    assert forward == compute(plugin, {d: list(reversed(r)) for d, r in rows.items()})


@pytest.mark.parametrize("name", NAMES)
def test_modules_stay_small(name: str) -> None:
    for module in (ROOT / name).glob("*.py"):
        lines = len(module.read_text().splitlines())
        assert lines <= 150, f"{name}/{module.name}: {lines} lines"
