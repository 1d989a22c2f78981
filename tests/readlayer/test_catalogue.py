"""The catalogue: discovery and the frozen manifest give the same thing, settings applied."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from collector.registry import discover
from collector.settings import Settings
from readlayer.catalogue import build_catalogue, discover_catalogue
from readlayer.errors import ConfigError
from readlayer.manifest import discover_manifest, load_manifest, write_manifest

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
"""The drop-in folders of the core's tests (a ``counter`` source, a ``counter_sum`` analytic)."""


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, plugin_dir=PLUGINS, **values)


def test_discovery_and_the_frozen_manifest_give_the_same_catalogue(tmp_path: Path) -> None:
    chosen = settings(
        sources={"parking": {"interval": 300}, "traffic": {"enabled": False}},
        aggregations={"counter_sum": {"enabled": False}},
        sncf_token="a-token",  # so that no plugin check disables a source on one side only
    )
    frozen = tmp_path / "manifest.json"
    write_manifest(discover_manifest(chosen), frozen)
    manifest, discovered = discover_catalogue(chosen)
    from_file = build_catalogue(load_manifest(frozen), chosen)
    assert from_file == discovered
    assert build_catalogue(manifest, chosen) == discovered
    # Drop-in plugins are in it, with their schemas (what the Lambda routes are made from).
    counter = from_file.datasets["counter"]
    assert counter.source == "counter" and not counter.reference
    assert counter.schema is not None and "value" in counter.schema["properties"]
    assert [f.name for f in counter.filters] == ["entity_id", "value"]
    summed = from_file.aggregations["counter_sum"]
    assert summed.inputs == ("counter",) and summed.sources == ("counter",)
    assert summed.output is not None and "total" in summed.output["properties"]
    assert summed.enabled is False
    # The operator's switches and intervals.
    assert from_file.sources["parking"].interval_s == 300
    assert from_file.sources["traffic"].enabled is False
    assert from_file.sources["traffic"].disabled == (
        "switched off (PARIS_SOURCES__TRAFFIC__ENABLED=false)"
    )
    assert from_file.datasets["traffic.arcs"].reference is True


def test_every_dataset_and_analytic_of_the_registry_is_catalogued() -> None:
    registry = discover(PLUGINS)
    _, found = discover_catalogue(settings())
    assert set(found.datasets) == registry.datasets()
    assert set(found.aggregations) == set(registry.aggregations)
    for name, source in found.sources.items():
        plugin = registry.source(name)
        assert (source.licence, source.attribution) == (plugin.licence, plugin.attribution)
        assert source.datasets == plugin.datasets()


def test_plugin_checks_are_known_where_the_plugin_code_is() -> None:
    # Without a token the departures plugin says it cannot run; the manifest (Lambda) cannot
    # run that check and only knows the ENABLED switch.
    manifest, discovered = discover_catalogue(settings())
    assert (discovered.sources["departures"].disabled or "").startswith("no SNCF API token")
    assert build_catalogue(manifest, settings()).sources["departures"].enabled is True


def test_an_unknown_source_is_readable_unattributed() -> None:
    _, found = discover_catalogue(settings())
    ghost = found.source("retired")
    assert (ghost.licence, ghost.enabled, ghost.disabled) == ("", False, "not installed")
    assert found.credit("counter_sum") == found.credit("counter")
    assert found.interval_s("nothing") is None


def test_bad_settings_or_manifest_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PARIS_SOURCES__PARKING__INTERVAL"):
        discover_catalogue(settings(sources={"parking": {"interval": -1}}))
    broken = tmp_path / "manifest.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read the plugin manifest"):
        load_manifest(broken)
    with pytest.raises(ConfigError, match="plugin directory not found"):
        discover_manifest(replace_dir(tmp_path / "none"))


def replace_dir(path: Path) -> Settings:
    return settings().model_copy(update={"plugin_dir": path})


def test_catalogue_entries_are_plain_values() -> None:
    _, found = discover_catalogue(settings())
    parking = found.sources["parking"]
    assert replace(parking, disabled="x").enabled is False
    assert parking.disabled_reason is None and parking.enabled
