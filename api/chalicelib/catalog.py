"""What the API knows of the plugins: licences, intervals, datasets and JSON schemas.

It comes from a *manifest*, a plain JSON-able dict made from the plugin registry. Locally the
manifest is made by discovering the plugins at startup. The Lambda bundle carries a frozen copy
(``paris_api_manifest.json``, written by ``python -m api.build_vendor``) instead of the plugin
packages: importing a source plugin imports its fetcher and parser, and with them aiohttp,
shapely and numpy (~75 MB, and numpy's wheel needs a newer glibc than Lambda's Python 3.11).
Either way the same :func:`build_catalog` applies the settings, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ValidationError

from collector.plugin import AggregationSettings, SourceSettings
from collector.settings import Settings

if TYPE_CHECKING:
    from collector.registry import Registry

MANIFEST_NAME = "paris_api_manifest.json"
REF_TEMPLATE = "#/components/schemas/{model}"
Schema = dict[str, Any]


class ConfigError(Exception):
    """The API cannot start with these settings or plugins (the operator's problem)."""


@dataclass(frozen=True, kw_only=True)
class SourceInfo:
    name: str
    description: str
    interval_s: int
    datasets: tuple[str, ...]
    licence: str
    attribution: str
    enabled: bool
    disabled_reason: str | None


@dataclass(frozen=True, kw_only=True)
class AggregationInfo:
    name: str
    description: str
    interval_s: int
    sources: tuple[str, ...]
    output: Schema | None
    enabled: bool


@dataclass(frozen=True)
class Catalog:
    """The installed sources and aggregations, with the settings applied."""

    sources: dict[str, SourceInfo]
    aggregations: dict[str, AggregationInfo]
    records: dict[str, Schema] = field(default_factory=dict)
    """The JSON schema of each dataset's record, by dataset name."""

    def source(self, name: str) -> SourceInfo:
        found = self.sources.get(name)
        if found is not None:
            return found
        # Data of a source that is not installed stays readable, unattributed.
        return SourceInfo(
            name=name, description="", interval_s=3600, datasets=(name,), licence="",
            attribution="", enabled=False, disabled_reason="not installed",
        )  # fmt: skip

    def aggregation(self, name: str, fallback_source: str) -> AggregationInfo:
        found = self.aggregations.get(name)
        if found is not None:
            return found
        return AggregationInfo(
            name=name, description="", interval_s=3600, sources=(fallback_source,),
            output=None, enabled=False,
        )  # fmt: skip


def json_schema(model: type[BaseModel]) -> Schema:
    return model.model_json_schema(mode="serialization", ref_template=REF_TEMPLATE)


def manifest_from_registry(registry: Registry) -> dict[str, Any]:
    """The plugins' facts the API needs, as JSON-able data (no settings applied)."""
    from collector.plugin import dataset_name

    sources = {}
    for name, found in sorted(registry.sources.items()):
        plugin = found.plugin
        sources[name] = {
            "description": plugin.description,
            "interval_s": round(plugin.interval.total_seconds()),
            "datasets": list(plugin.datasets()),
            "licence": plugin.licence,
            "attribution": plugin.attribution,
            "records": {dataset_name(name, m): json_schema(m) for m in plugin.records},
        }
    aggregations = {}
    for name, found_agg in sorted(registry.aggregations.items()):
        agg = found_agg.plugin
        inputs = (*agg.inputs, *agg.latest_inputs)
        aggregations[name] = {
            "description": agg.description,
            "interval_s": round(agg.interval.total_seconds()),
            "sources": list(dict.fromkeys(d.split(".")[0] for d in inputs)),
            "output": json_schema(agg.output),
        }
    return {"sources": sources, "aggregations": aggregations}


def discover_manifest(settings: Settings) -> dict[str, Any]:
    """Discover the plugins (built-in, installed, ``PARIS_PLUGIN_DIR``) and describe them."""
    from collector.registry import PluginError, discover

    try:
        return manifest_from_registry(discover(settings.plugin_dir))
    except PluginError as exc:
        raise ConfigError(str(exc)) from None


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the plugin manifest {path}: {exc}") from None
    return manifest


def _common(model: type[BaseModel], values: Mapping[str, Any], prefix: str) -> Any:
    """The settings every plugin has (``enabled``, ``interval``), validated like the daemon does.

    A plugin's own settings are the daemon's business and are not read here.
    """
    known = {k: v for k, v in values.items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except ValidationError as exc:
        bad = "; ".join(
            f"{prefix}{'__'.join(str(p).upper() for p in e['loc'])}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"invalid setting {bad}") from None


def build_catalog(manifest: Mapping[str, Any], settings: Settings) -> Catalog:
    """The manifest with the operator's switches and intervals applied.

    ``enabled`` is the operator's switch (``PARIS_SOURCES__<NAME>__ENABLED``, read by the daemon
    too); whether the daemon really runs a source shows in its ``last_run_at``.
    """
    sources: dict[str, SourceInfo] = {}
    records: dict[str, Schema] = {}
    for name, src in manifest.get("sources", {}).items():
        prefix = f"PARIS_SOURCES__{name.upper()}__"
        common = _common(SourceSettings, settings.sources.get(name, {}), prefix)
        sources[name] = SourceInfo(
            name=name,
            description=src["description"],
            interval_s=round(common.interval or src["interval_s"]),
            datasets=tuple(src["datasets"]),
            licence=src["licence"],
            attribution=src["attribution"],
            enabled=common.enabled,
            disabled_reason=None if common.enabled else "switched off in the settings",
        )
        records.update(src.get("records", {}))
    aggregations: dict[str, AggregationInfo] = {}
    for name, agg in manifest.get("aggregations", {}).items():
        prefix = f"PARIS_AGGREGATIONS__{name.upper()}__"
        common = _common(AggregationSettings, settings.aggregations.get(name, {}), prefix)
        aggregations[name] = AggregationInfo(
            name=name,
            description=agg["description"],
            interval_s=round(common.interval or agg["interval_s"]),
            sources=tuple(agg["sources"]),
            output=agg.get("output"),
            enabled=common.enabled,
        )
    return Catalog(sources=sources, aggregations=aggregations, records=records)
