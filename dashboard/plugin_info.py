"""What the generic pages need to know of each plugin beyond ``data.Catalogue``: the JSON schema
of its records or output, and the package it was loaded from (where its own ``page.py`` sits).

Both come from plugin discovery (built-in folders, entry points, ``PARIS_PLUGIN_DIR``), the same
one the daemon does. The schemas are pydantic's serialization schemas, the shape the readers
get back from storage.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import streamlit as st
from pydantic import BaseModel, ValidationError

from collector.plugin import dataset_name
from collector.registry import PluginError, discover
from collector.settings import Settings

log = logging.getLogger("dashboard")

Kind = Literal["source", "analytic"]
Schema = dict[str, Any]
COORDINATES = (("lat", "lon"), ("latitude", "longitude"))
"""(latitude, longitude) field names a map is drawn from."""
NUMERIC = frozenset({"integer", "number"})


@dataclass(frozen=True)
class PluginFacts:
    kind: Kind
    name: str
    description: str
    schemas: Mapping[str, Schema]
    """Per dataset (a source) or under the analytic's own name: the JSON schema of a record."""
    package: str | None
    """The module name of the package the plugin was loaded from, if it is one."""
    settings: type[BaseModel] | None = None
    """The plugin's settings model (its defaults and the operator's values make its settings)."""


@dataclass(frozen=True)
class Plugins:
    sources: Mapping[str, PluginFacts] = field(default_factory=dict)
    analytics: Mapping[str, PluginFacts] = field(default_factory=dict)


def plugins(plugin_dir: Path | None) -> Plugins:
    """Every discovered plugin; none when discovery fails (the pages already say why)."""
    return _plugins(str(plugin_dir) if plugin_dir is not None else "")


@st.cache_resource(show_spinner=False, ttl=600)
def _plugins(plugin_dir: str) -> Plugins:
    try:
        registry = discover(Path(plugin_dir) if plugin_dir else None)
    except PluginError as exc:
        log.warning("plugin discovery failed: %s", exc)
        return Plugins()
    sources = {
        name: PluginFacts(
            kind="source",
            name=name,
            description=found.plugin.description,
            schemas={dataset_name(name, model): _schema(model) for model in found.plugin.records},
            package=package_of(found.origin, "sources", name),
            settings=found.plugin.settings,
        )
        for name, found in sorted(registry.sources.items())
    }
    analytics = {
        name: PluginFacts(
            kind="analytic",
            name=name,
            description=found.plugin.description,
            schemas={name: _schema(found.plugin.output)},
            package=package_of(found.origin, "aggregations", name),
            settings=found.plugin.settings,
        )
        for name, found in sorted(registry.aggregations.items())
    }
    return Plugins(sources, analytics)


def source_settings(app: Settings, name: str) -> BaseModel | None:
    """Source ``name``'s settings as the daemon with the same configuration resolves them;
    ``None`` when the source is unknown or its settings do not validate (the daemon would
    refuse them and say why)."""
    facts = plugins(app.plugin_dir).sources.get(name)
    if facts is None or facts.settings is None:
        return None
    try:
        return facts.settings.model_validate(app.sources.get(name, {}))
    except ValidationError as exc:
        log.warning("source %s: its settings do not validate: %s", name, exc)
        return None


def _schema(model: type[BaseModel]) -> Schema:
    return model.model_json_schema(mode="serialization")


def package_of(origin: str, namespace: str, name: str) -> str | None:
    """The package a plugin came from, read from its registry origin.

    ``built-in sources.parking``; ``plugin folder <path>`` (imported by the registry as
    ``_paris_plugins.<namespace>.<name>``); ``entry point n = module:ATTR (group)``, where the
    plugin's folder is ``module`` when it is a package, its parent package otherwise.
    """
    if origin.startswith("built-in "):
        module = origin.removeprefix("built-in ").strip()
    elif origin.startswith("plugin folder "):
        module = f"_paris_plugins.{namespace}.{name}"
    elif origin.startswith("entry point ") and " = " in origin:
        module = origin.split(" = ", 1)[1].split(":", 1)[0].split(" ", 1)[0]
    else:
        return None
    try:
        loaded = importlib.import_module(module)
    except Exception:  # the registry imported it; a failure now only costs the page
        log.warning("plugin %s: cannot import %s to look for its page", name, module)
        return None
    if hasattr(loaded, "__path__"):
        return module
    return module.rpartition(".")[0] or None


# what a schema says ------------------------------------------------------------------------
def _types(prop: Mapping[str, Any]) -> set[str]:
    """The JSON types a property may hold (``anyOf`` of an optional field included)."""
    kinds = prop.get("type")
    found = set(kinds) if isinstance(kinds, list) else {kinds} if isinstance(kinds, str) else set()
    for option in prop.get("anyOf", ()):
        if isinstance(option, Mapping):
            found |= _types(option)
    return found


def properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    props = schema.get("properties")
    return dict(props) if isinstance(props, Mapping) else {}


def numeric_fields(schema: Mapping[str, Any]) -> list[str]:
    """Top-level fields holding a number (possibly null), in the schema's order."""
    return [
        name
        for name, prop in properties(schema).items()
        if (kinds := _types(prop) - {"null"}) and kinds <= NUMERIC
    ]


def coordinates(schema: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (latitude, longitude) fields of a record, when it has numeric ones."""
    numeric = set(numeric_fields(schema))
    return next(((lat, lon) for lat, lon in COORDINATES if {lat, lon} <= numeric), None)


def has_arrondissement(schema: Mapping[str, Any]) -> bool:
    return "arrondissement" in numeric_fields(schema)


def time_fields(schema: Mapping[str, Any]) -> list[str]:
    """Top-level fields holding a date-time (possibly null), in the schema's order."""
    return [name for name, prop in properties(schema).items() if _is_time(prop)]


def _is_time(prop: Mapping[str, Any]) -> bool:
    if prop.get("format") == "date-time":
        return True
    return any(isinstance(o, Mapping) and _is_time(o) for o in prop.get("anyOf", ()))
