"""Every plugin the repository's tests check: the built-ins and the drop-ins of this folder.

``tests/plugins`` is itself a ``PARIS_PLUGIN_DIR`` (``sources/counter``,
``aggregations/counter_sum``), so the generic checks are proved on a plugin that lives
outside the project's packages, the way a plugin author's does.
"""

from __future__ import annotations

from pathlib import Path

from collector import plugin_golden
from collector.plugin_checks import plugin_folder, source_checks
from collector.plugin_checks_agg import aggregation_checks
from collector.registry import Registry, discover

PLUGIN_DIR = Path(__file__).resolve().parent
REGISTRY: Registry = discover(PLUGIN_DIR)
SOURCES = sorted(REGISTRY.sources)
AGGREGATIONS = sorted(REGISTRY.aggregations)


def golden_cases() -> list[tuple[str, Path]]:
    """(source, payload.json) of every golden case of every discovered source."""
    return [
        (name, case)
        for name in SOURCES
        for case in plugin_golden.cases(plugin_folder(REGISTRY.source(name)))
    ]


def source_check_ids(skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    return [
        (name, check)
        for name in SOURCES
        for check in source_checks(REGISTRY.source(name))
        if check not in skip
    ]


def aggregation_check_ids() -> list[tuple[str, str]]:
    return [
        (name, check)
        for name in AGGREGATIONS
        for check in aggregation_checks(REGISTRY.aggregation(name), REGISTRY)
    ]
