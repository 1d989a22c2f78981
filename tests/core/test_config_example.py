"""The shipped example configuration is valid as it stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import load_settings

EXAMPLE = Path(__file__).parents[2] / "config" / "paris-collector.example.toml"


def test_example_config_loads_and_names_only_real_plugins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    app = load_settings(EXAMPLE)
    assert app.storage == "local"
    plugins = resolve(discover(), app)
    assert set(app.sources) <= set(plugins.sources)
    assert plugins.sources["traffic"].interval == 3600
    assert app.lake.enabled and app.lake.interval == 3600 and app.lake.namespace == "paris"
