"""Golden tests: every ``testcases/<case>/`` of every discovered source is one test.

Built-ins and the drop-ins of ``tests/plugins`` alike, through the same function as
``paris-collector test-plugins`` (:mod:`collector.plugin_golden` describes ``expected.json``).
``PARIS_GOLDEN_UPDATE=1`` rewrites the expectations; read the diff line by line before
committing it: an expectation is only worth what its review was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from collector import plugin_golden
from tests.plugins.discovered import REGISTRY, golden_cases

CASES = golden_cases()


def test_cases_exist() -> None:
    names = {name for name, _ in CASES}
    assert {"traffic", "parking", "departures", "counter"} <= names
    assert REGISTRY.sources["counter"].origin.startswith("plugin folder")


@pytest.mark.parametrize(
    ("name", "payload_path"), CASES, ids=[f"{n}/{p.parent.name}" for n, p in CASES]
)
def test_golden(name: str, payload_path: Path) -> None:
    update = plugin_golden.update_requested()
    problems = plugin_golden.check_case(REGISTRY.source(name), payload_path, update=update)
    assert not problems, "\n".join(problems)
