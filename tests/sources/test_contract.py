"""Every source keeps the same shape: README headings, a sample config listing every setting
with its default, small modules, sane records and settings.

The checks are :mod:`collector.plugin_checks`, which ``paris-collector test-plugins`` runs on
a plugin wherever it lives; here they run on the built-ins and the drop-ins of
``tests/plugins``. The golden cases are ``tests/test_golden.py``.
"""

from __future__ import annotations

import pytest

from collector.plugin_checks import plugin_folder, source_checks
from tests.plugins.discovered import REGISTRY, SOURCES, source_check_ids

CHECKS = source_check_ids(skip=frozenset({"golden"}))
BUILT_IN = [n for n in SOURCES if REGISTRY.sources[n].origin.startswith("built-in")]
# The layout of the built-ins, the model CONTRIBUTING.md describes.
FILES = ("__init__.py", "fetch.py", "parse.py", "records.py", "settings.py")


def test_the_sources_are_there() -> None:
    assert {"traffic", "parking", "departures"} <= set(BUILT_IN)
    assert "counter" in SOURCES


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[f"{n}-{c}" for n, c in CHECKS])
def test_source_check(name: str, check: str) -> None:
    problems = source_checks(REGISTRY.source(name))[check]()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", BUILT_IN)
def test_builtin_layout(name: str) -> None:
    folder = plugin_folder(REGISTRY.source(name))
    assert folder.name == name
    for file in FILES:
        assert (folder / file).is_file(), f"{name}/{file} missing"
