"""Freshness objectives: declared by each source, overridden by PARIS_SOURCES__<NAME>__FRESHNESS,
three intervals when undeclared; the daemon's side and the read layer's agree."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector import freshness
from collector.plugin_settings import PluginSettings, resolve
from collector.registry import Registry, discover
from collector.settings import SettingsError, load_settings
from readlayer.catalogue import build_catalogue
from readlayer.manifest import manifest_from_registry
from readlayer.status import source_status

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
BUILT_IN = ("traffic", "parking", "departures", "velib")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in [n for n in os.environ if n.startswith("PARIS_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    return monkeypatch


def _resolved(plugin_dir: Path | None = None) -> tuple[Registry, PluginSettings]:
    app = load_settings(_env_file=None, plugin_dir=plugin_dir)
    registry = discover(app.plugin_dir)
    return registry, resolve(registry, app)


def test_every_built_in_source_declares_its_objective(clean_env: pytest.MonkeyPatch) -> None:
    registry, plugins = _resolved()
    for name in BUILT_IN:
        source = registry.source(name)
        assert source.freshness is not None, f"{name} declares no freshness objective"
        # An objective tighter than the cadence would call every normal wait stale.
        assert source.freshness > source.interval, name
        assert freshness.objective(source, plugins.sources[name]) == source.freshness
    # Traffic comes in one nightly batch, one to two days behind: more than two days of margin.
    assert registry.source("traffic").freshness > timedelta(days=2)
    for name in ("parking", "departures", "velib"):
        assert registry.source(name).freshness <= timedelta(minutes=15), name


def test_the_setting_overrides_the_declared_objective(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PARIS_SOURCES__VELIB__FRESHNESS", "7200")
    clean_env.setenv("PARIS_SOURCES__TRAFFIC__FRESHNESS", "86400.5")
    registry, plugins = _resolved()
    assert freshness.objective(registry.source("velib"), plugins.sources["velib"]) == timedelta(
        hours=2
    )
    traffic = freshness.objective(registry.source("traffic"), plugins.sources["traffic"])
    assert traffic == timedelta(seconds=86400.5)
    parking = registry.source("parking")
    assert freshness.objective(parking, plugins.sources["parking"]) == parking.freshness


def test_an_undeclared_objective_is_three_intervals_as_set(clean_env: pytest.MonkeyPatch) -> None:
    registry, plugins = _resolved(PLUGINS)
    counter = registry.source("counter")
    assert counter.freshness is None
    assert freshness.objective(counter, plugins.sources["counter"]) == 3 * counter.interval
    clean_env.setenv("PARIS_SOURCES__COUNTER__INTERVAL", "40")
    registry, plugins = _resolved(PLUGINS)
    assert freshness.objective(counter, plugins.sources["counter"]) == timedelta(seconds=120)


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon", str(31 * 86400)])
def test_a_bad_objective_setting_is_refused_by_name(
    clean_env: pytest.MonkeyPatch, value: str
) -> None:
    clean_env.setenv("PARIS_SOURCES__VELIB__FRESHNESS", value)
    with pytest.raises(SettingsError, match="PARIS_SOURCES__VELIB__FRESHNESS"):
        _resolved()


def test_the_read_layer_judges_with_the_same_objective(clean_env: pytest.MonkeyPatch) -> None:
    """The readers get the objective from the manifest (no plugin loaded on Lambda)."""
    clean_env.setenv("PARIS_SOURCES__PARKING__FRESHNESS", "900")
    clean_env.setenv("PARIS_SOURCES__COUNTER__INTERVAL", "40")
    app = load_settings(_env_file=None, plugin_dir=PLUGINS)
    registry = discover(app.plugin_dir)
    plugins = resolve(registry, app)
    catalogue = build_catalogue(manifest_from_registry(registry), app)
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    for name in (*BUILT_IN, "counter"):
        objective = freshness.objective(registry.source(name), plugins.sources[name])
        assert catalogue.sources[name].freshness_s == objective.total_seconds(), name
        just_within = (now - objective).strftime("%Y-%m-%dT%H:%M:%SZ")
        too_old = (now - objective - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ran = {"last_success_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "last_status": "ok"}
        fresh = source_status(
            name, catalogue.sources[name], {**ran, "data_freshness": just_within}, now
        )
        stale = source_status(
            name, catalogue.sources[name], {**ran, "data_freshness": too_old}, now
        )
        assert (fresh.freshness, stale.freshness) == ("fresh", "stale"), name
        # Freshness is apart from whether the source runs: the last run just succeeded.
        assert stale.label == "ok"
        assert stale.objective_s == objective.total_seconds()
        assert stale.data_age_s == objective.total_seconds() + 1
    never = source_status("velib", catalogue.sources["velib"], {}, now)
    assert (never.freshness, never.data_age_s) == ("unknown", None)
