"""The plugins' facts the readers need, as plain JSON-able data: the *manifest*.

Locally the manifest is made by discovering the plugins (built-in, installed entry points and
``PARIS_PLUGIN_DIR``). The Lambda bundle carries a frozen copy (:data:`MANIFEST_NAME`, written
by ``python -m api.build_vendor``) instead of the plugin packages: importing a source plugin
imports its fetcher and parser, and with them aiohttp, shapely and numpy. Both go through
:func:`readlayer.catalogue.build_catalogue`, so both answer alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel

from readlayer.errors import ConfigError

if TYPE_CHECKING:
    from collector.registry import Registry
    from collector.settings import Settings

MANIFEST_NAME = "paris_api_manifest.json"
REF_TEMPLATE = "#/components/schemas/{model}"
"""Models a schema uses are referred to as OpenAPI components (the API's document holds them)."""
Schema = dict[str, Any]
Manifest = dict[str, Any]


def json_schema(model: type[BaseModel]) -> Schema:
    return model.model_json_schema(mode="serialization", ref_template=REF_TEMPLATE)


def manifest_from_registry(registry: Registry) -> Manifest:
    """The plugins' facts (no settings applied)."""
    from collector.plugin import dataset_name
    from readlayer import slot_rules

    sources: dict[str, Any] = {}
    for name, found in sorted(registry.sources.items()):
        plugin = found.plugin
        sources[name] = {
            "description": plugin.description,
            "interval_s": round(plugin.interval.total_seconds()),
            "datasets": list(plugin.datasets()),
            "licence": plugin.licence,
            "attribution": plugin.attribution,
            "records": {dataset_name(name, m): json_schema(m) for m in plugin.records},
            "reference": [dataset_name(name, m) for m in plugin.records if not m.history],
            "ledger": slot_rules.facts(plugin),
        }
    aggregations: dict[str, Any] = {}
    for name, found_agg in sorted(registry.aggregations.items()):
        agg = found_agg.plugin
        inputs = list(dict.fromkeys((*agg.inputs, *agg.latest_inputs)))
        aggregations[name] = {
            "description": agg.description,
            "interval_s": round(agg.interval.total_seconds()),
            "inputs": inputs,
            "sources": list(dict.fromkeys(d.split(".")[0] for d in inputs)),
            "output": json_schema(agg.output),
        }
    return {"sources": sources, "aggregations": aggregations}


def discover_registry(settings: Settings) -> Registry:
    from collector.registry import PluginError, discover

    try:
        return discover(settings.plugin_dir)
    except PluginError as exc:
        raise ConfigError(str(exc)) from None


def discover_manifest(settings: Settings) -> Manifest:
    """Discover the plugins (built-in, installed, ``PARIS_PLUGIN_DIR``) and describe them."""
    return manifest_from_registry(discover_registry(settings))


def load_manifest(path: Path) -> Manifest:
    try:
        manifest: Manifest = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the plugin manifest {path}: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sources"), dict):
        raise ConfigError(f"the plugin manifest {path} holds no sources")
    return manifest


def write_manifest(manifest: Manifest, path: Path) -> None:
    path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
