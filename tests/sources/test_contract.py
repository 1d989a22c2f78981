"""Every source folder keeps the same shape: files, README headings, a valid sample config."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest

from collector.plugin import Source

ROOT = Path(__file__).parents[2] / "sources"
NAMES = sorted(
    p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_")
)
FILES = (
    "__init__.py",
    "fetch.py",
    "parse.py",
    "records.py",
    "settings.py",
    "README.md",
    "sample.toml",
)
HEADINGS = ["## Description", "## Configuration", "## Records", "## Example output", "## Limits"]


def source(name: str) -> Source:
    plugin: Source = importlib.import_module(f"sources.{name}").SOURCE
    return plugin


def test_the_three_sources_are_there() -> None:
    assert {"traffic", "parking", "departures"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_shape(name: str) -> None:
    folder = ROOT / name
    assert source(name).name == name
    for file in FILES:
        assert (folder / file).is_file(), f"{name}/{file} missing"
    cases = list(folder.glob("testcases/*/payload.json"))
    assert cases, f"{name} has no golden case"
    assert all(c.with_name("expected.json").is_file() for c in cases)
    readme = (folder / "README.md").read_text()
    assert re.findall(r"^## .*$", readme, flags=re.M) == HEADINGS


@pytest.mark.parametrize("name", NAMES)
def test_sample_config_lists_every_setting_with_its_default(name: str) -> None:
    plugin = source(name)
    text = (ROOT / name / "sample.toml").read_text()
    assert f"[sources.{name}]" in text
    for field in plugin.settings.model_fields:
        assert re.search(rf"^# {field} =", text, flags=re.M), f"{field} not in sample.toml"
    uncommented = "\n".join(
        line[2:] if re.match(r"^# [a-z_]+ = \S", line) else line for line in text.splitlines()
    )
    values = tomllib.loads(uncommented)["sources"][name]
    settings = plugin.settings.model_validate(values)
    defaults = plugin.settings()
    for key in values:
        expected = plugin.interval.total_seconds() if key == "interval" else getattr(defaults, key)
        assert getattr(settings, key) == expected, key


@pytest.mark.parametrize("name", NAMES)
def test_modules_stay_small(name: str) -> None:
    for module in (ROOT / name).glob("*.py"):
        lines = len(module.read_text().splitlines())
        assert lines <= 200, f"{module.name}: {lines} lines"
