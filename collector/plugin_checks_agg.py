"""The checks every aggregation passes, wherever it lives (see :mod:`collector.plugin_checks`).

An aggregation has no golden case of its own: it is run on the records of its input
sources' golden cases, which are checked against their parsers, so the check follows the
sources' real shapes without a fixture to keep in step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_type_hints

import orjson
from pydantic import BaseModel

from collector import plugin_golden
from collector.plugin import Aggregation, AggregationSettings, Inputs, Window
from collector.plugin_checks import check_modules, check_readme, check_settings, plugin_folder
from collector.registry import Registry

AGGREGATION_HEADINGS = ("## Definition", "## Inputs", "## Output", "## Edge cases")
Rows = Mapping[str, Sequence[Mapping[str, Any]]]


def compute(plugin: Aggregation, rows: Rows, now: datetime) -> dict[str, Any]:
    """``compute`` over ``rows`` (per dataset, as both the latest snapshot and the window),
    dumped as gold stores it."""
    inputs = Inputs(
        latest={d: rows.get(d, []) for d in plugin.latest_inputs},
        window={d: rows.get(d, []) for d in plugin.inputs},
        settings=plugin.settings(),
        now=now,
    )
    output = plugin.compute(inputs, Window(start=now - plugin.window, end=now))
    if not isinstance(output, plugin.output):
        raise TypeError(f"compute returned a {type(output).__name__}, not {plugin.output.__name__}")
    dumped: dict[str, Any] = output.model_dump(mode="json")
    orjson.dumps(dumped)  # gold stores it as JSON: a value it cannot hold fails here
    return dumped


def check_output(plugin: Aggregation) -> list[str]:
    problems = [] if plugin.description else ["description is empty"]
    if not (isinstance(plugin.output, type) and issubclass(plugin.output, BaseModel)):
        return [*problems, f"output {plugin.output!r} is not a pydantic model"]
    if "note" not in plugin.output.model_fields:
        problems.append(f"{plugin.output.__name__} has no 'note' field (why a result is empty)")
    returned = get_type_hints(plugin.compute).get("return")
    if returned is not plugin.output:
        problems.append(f"compute is annotated to return {returned!r}, not {plugin.output!r}")
    plugin.output.model_json_schema()
    return problems


def check_inputs(plugin: Aggregation, registry: Registry) -> list[str]:
    read = (*plugin.inputs, *plugin.latest_inputs)
    if not read:
        return ["reads no dataset: set inputs and/or latest_inputs"]
    known = registry.datasets()
    problems = [f"reads unknown dataset {d!r}" for d in read if d not in known]
    if plugin.inputs and plugin.window < plugin.interval:
        problems.append(f"window {plugin.window} is shorter than interval {plugin.interval}: gaps")
    return problems


def check_empty_inputs(plugin: Aggregation) -> list[str]:
    now = datetime.now(UTC).replace(microsecond=0)
    problems = []
    every = {*plugin.inputs, *plugin.latest_inputs}
    empty: tuple[tuple[str, Rows], ...] = (
        ("no input dataset", {}),
        ("every input dataset empty", {d: [] for d in every}),
    )
    for label, rows in empty:
        result = compute(plugin, rows, now)
        if not result.get("note"):
            problems.append(f"with {label}, the result has no note saying why it is empty")
        own = result.get("excluded", {})
        if not isinstance(own, dict) or not all(type(n) is int for n in own.values()):
            # The core adds the quality checks' counts to this key of every point.
            problems.append(f"'excluded' must be an object of counts by reason, not {own!r}")
    return list(dict.fromkeys(problems))


def samples(plugin: Aggregation, registry: Registry) -> dict[str, list[dict[str, Any]]]:
    """Records of the input datasets from their sources' golden cases."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for dataset in {*plugin.inputs, *plugin.latest_inputs}:
        found = registry.sources.get(dataset.split(".")[0])
        if found is not None:
            golden = plugin_golden.sample_records(plugin_folder(found.plugin))
            rows[dataset] = golden.get(dataset, [])
    return rows


def _latest_time(rows: Rows) -> datetime:
    times = [
        datetime.fromisoformat(str(r["observed_at"]).replace("Z", "+00:00"))
        for records in rows.values()
        for r in records
    ]
    return max(times)


def check_real_records(plugin: Aggregation, registry: Registry) -> list[str]:
    rows = samples(plugin, registry)
    if not any(rows.values()):
        return [f"no golden record of {sorted(rows)} to compute on: add a source golden case"]
    now = _latest_time(rows)
    forward = compute(plugin, rows, now)
    backward = compute(plugin, {d: list(reversed(r)) for d, r in rows.items()}, now)
    if forward != backward:
        return ["the records in reverse order give another result: sort before you pick or rank"]
    return []


def aggregation_checks(
    plugin: Aggregation, registry: Registry
) -> dict[str, Callable[[], list[str]]]:
    """The checks of one aggregation, by name, to run one by one (a check may raise: a
    plugin's bug, which the caller reports as that check's failure)."""
    folder: Path = plugin_folder(plugin)
    return {
        "readme": lambda: check_readme(folder, AGGREGATION_HEADINGS, title=f"# {plugin.name}"),
        "modules": lambda: check_modules(folder, "aggregation"),
        "settings": lambda: check_settings(plugin.settings, AggregationSettings),
        "output": lambda: check_output(plugin),
        "inputs": lambda: check_inputs(plugin, registry),
        "empty_inputs": lambda: check_empty_inputs(plugin),
        "real_records": lambda: check_real_records(plugin, registry),
    }
