"""The catalogue: what this installation serves, the operator's settings applied.

Sources (licence, attribution, interval), datasets (their record schema, whether they are
reference data) and analytics (their inputs and output schema). It is built from a manifest
(:mod:`readlayer.manifest`), so discovery and the frozen Lambda manifest give the same thing.

``disabled`` here is only what the *reader's* settings say; the daemon's own record in the
source state wins over it (see :mod:`readlayer.status`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from collector.freshness import objective_seconds
from collector.plugin import AggregationSettings, SourceSettings
from readlayer.errors import ConfigError
from readlayer.fields import Filter, filters_of
from readlayer.manifest import Manifest, Schema, discover_registry, manifest_from_registry
from readlayer.slot_rules import SlotRule, rule

if TYPE_CHECKING:
    from collector.settings import Settings

DEFAULT_INTERVAL_S = 3600


@dataclass(frozen=True, kw_only=True)
class SourceInfo:
    name: str
    description: str
    interval_s: int
    licence: str
    attribution: str
    datasets: tuple[str, ...]
    disabled: str | None = None
    """Why the reader's settings say the source does not run; ``None`` when it runs."""
    slots: SlotRule | None = None
    """Its completeness ledger's slots (:mod:`readlayer.slot_rules`); None: one per interval."""
    freshness_s: float | None = None
    """How old its newest data may be (:mod:`collector.freshness`, settings applied); None:
    three intervals."""

    @property
    def enabled(self) -> bool:
        return self.disabled is None

    @property
    def disabled_reason(self) -> str | None:
        return self.disabled


@dataclass(frozen=True, kw_only=True)
class DatasetInfo:
    name: str
    """``source`` or ``source.stream``; also its URL segment (dots are URL-safe)."""
    source: str
    schema: Schema | None
    reference: bool = False
    """Only the latest record per entity is kept (no history)."""

    @property
    def filters(self) -> tuple[Filter, ...]:
        return filters_of(self.schema)


@dataclass(frozen=True, kw_only=True)
class AggregationInfo:
    name: str
    description: str
    interval_s: int
    inputs: tuple[str, ...]
    """Datasets read (``source`` or ``source.stream``)."""
    enabled: bool = True
    output: Schema | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.split(".", 1)[0] for d in self.inputs))


@dataclass(frozen=True)
class Catalogue:
    """The installed sources, datasets and aggregations."""

    sources: dict[str, SourceInfo] = field(default_factory=dict)
    aggregations: dict[str, AggregationInfo] = field(default_factory=dict)
    datasets: dict[str, DatasetInfo] = field(default_factory=dict)
    problem: str | None = None
    """Why the plugins could not be read (the catalogue is then empty)."""

    @property
    def records(self) -> dict[str, Schema]:
        """The JSON schema of each dataset's record, by dataset name."""
        return {n: d.schema for n, d in self.datasets.items() if d.schema is not None}

    def source(self, name: str) -> SourceInfo:
        found = self.sources.get(name)
        if found is not None:
            return found
        # Data of a source that is not installed stays readable, unattributed.
        return SourceInfo(
            name=name, description="", interval_s=DEFAULT_INTERVAL_S, datasets=(name,),
            licence="", attribution="", disabled="not installed",
        )  # fmt: skip

    def source_of(self, dataset: str) -> SourceInfo | None:
        return self.sources.get(dataset.split(".", 1)[0])

    def aggregation(self, name: str, fallback_source: str = "") -> AggregationInfo:
        found = self.aggregations.get(name)
        if found is not None:
            return found
        return AggregationInfo(
            name=name, description="", interval_s=DEFAULT_INTERVAL_S,
            inputs=(fallback_source,) if fallback_source else (), enabled=False,
        )  # fmt: skip

    def interval_s(self, name: str) -> int | None:
        """The interval of an aggregation, or of the source of a dataset; None if unknown."""
        if name in self.aggregations:
            return self.aggregations[name].interval_s
        source = self.source_of(name)
        return source.interval_s if source is not None else None

    def credit(self, name: str) -> str:
        """Who published the data behind a dataset or an aggregation, and its licence."""
        inputs = self.aggregations[name].inputs if name in self.aggregations else (name,)
        parts: list[str] = []
        for dataset in inputs:
            source = self.source_of(dataset)
            if source is None:
                continue
            text = source.attribution or source.name
            if source.licence:
                text += f" ({source.licence})"
            if text not in parts:
                parts.append(text)
        return "; ".join(parts) or "publisher unknown"


def _common(model: type[BaseModel], values: Mapping[str, Any], prefix: str) -> Any:
    """The settings every plugin has (``enabled``, ``interval``), validated like the daemon does.

    A plugin's own settings are the daemon's business: on Lambda its code is not there to
    validate them.
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


def build_catalogue(
    manifest: Mapping[str, Any],
    settings: Settings | None,
    *,
    disabled: Mapping[str, str] | None = None,
) -> Catalogue:
    """The manifest with the operator's switches and intervals applied.

    ``disabled`` are the reasons the plugins' own checks give (e.g. a missing token), known only
    where the plugin code is loaded; otherwise only the ``ENABLED`` switch is read. Without
    ``settings``, the plugins' defaults (what the API declares its routes from).
    """
    configured: Mapping[str, Mapping[str, Any]] = settings.sources if settings else {}
    tuned: Mapping[str, Mapping[str, Any]] = settings.aggregations if settings else {}
    sources: dict[str, SourceInfo] = {}
    datasets: dict[str, DatasetInfo] = {}
    for name, src in manifest.get("sources", {}).items():
        prefix = f"PARIS_SOURCES__{name.upper()}__"
        common = _common(SourceSettings, configured.get(name, {}), prefix)
        reason = None if common.enabled else f"switched off ({prefix}ENABLED=false)"
        if reason is None and disabled is not None:
            reason = disabled.get(name)
        sources[name] = SourceInfo(
            name=name,
            description=src["description"],
            interval_s=round(common.interval or src["interval_s"]),
            datasets=tuple(src["datasets"]),
            licence=src["licence"],
            attribution=src["attribution"],
            disabled=reason,
            slots=rule(
                src.get("ledger"),
                src["interval_s"],
                interval=common.interval,
                freshness=common.freshness,
            ),
            freshness_s=objective_seconds(
                declared=(src.get("ledger") or {}).get("freshness_s"),
                interval=common.interval or src["interval_s"],
                override=common.freshness,
            ),
        )
        records = src.get("records", {})
        reference = set(src.get("reference", []))
        for dataset in src["datasets"]:
            datasets[dataset] = DatasetInfo(
                name=dataset,
                source=name,
                schema=records.get(dataset),
                reference=dataset in reference,
            )
    aggregations: dict[str, AggregationInfo] = {}
    for name, agg in manifest.get("aggregations", {}).items():
        prefix = f"PARIS_AGGREGATIONS__{name.upper()}__"
        common = _common(AggregationSettings, tuned.get(name, {}), prefix)
        aggregations[name] = AggregationInfo(
            name=name,
            description=agg["description"],
            interval_s=round(common.interval or agg["interval_s"]),
            # Manifests frozen before ``inputs`` was written name only the sources.
            inputs=tuple(agg.get("inputs", agg.get("sources", ()))),
            output=agg.get("output"),
            enabled=common.enabled,
        )
    return Catalogue(sources=sources, aggregations=aggregations, datasets=datasets)


def discover_catalogue(settings: Settings) -> tuple[Manifest, Catalogue]:
    """Discover the plugins; their own checks (e.g. a missing token) give the disabled reasons.

    Returns the manifest too: the API declares its routes from it.
    """
    from collector.plugin_settings import resolve
    from collector.settings import SettingsError

    registry = discover_registry(settings)
    manifest = manifest_from_registry(registry)
    try:
        reasons: Mapping[str, str] | None = resolve(registry, settings).disabled
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    return manifest, build_catalogue(manifest, settings, disabled=reasons)
