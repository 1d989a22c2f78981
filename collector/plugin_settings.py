"""Each plugin's settings, validated against its own model at startup.

Values come from ``PARIS_SOURCES__<NAME>__<FIELD>`` / ``PARIS_AGGREGATIONS__<NAME>__<FIELD>``
or the TOML tables ``[sources.<name>]`` / ``[aggregations.<name>]``. A bad value, or a table
for a plugin that does not exist (a typo), stops startup naming the setting.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from collector.plugin import AggregationSettings, SourceSettings
from collector.registry import Registry
from collector.settings import Settings, SettingsError


@dataclass(frozen=True)
class PluginSettings:
    sources: dict[str, SourceSettings]
    aggregations: dict[str, AggregationSettings]
    disabled: dict[str, str]
    """Sources that cannot run, with the reason (switched off, or e.g. a missing token)."""

    def enabled_sources(self) -> list[str]:
        return [n for n, s in self.sources.items() if s.enabled and n not in self.disabled]

    def enabled_aggregations(self) -> list[str]:
        return [n for n, s in self.aggregations.items() if s.enabled]


def _validate(model: type[BaseModel], values: dict[str, Any], prefix: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = prefix + "__".join(str(p).upper() for p in err["loc"])
            hint = ""
            if err["type"] == "extra_forbidden":  # a misspelled field
                match = _closest(str(err["loc"][-1]), model.model_fields)
                hint = f"; did you mean {prefix}{match.upper()}?" if match else ""
            lines.append(f"invalid setting {name}: {err['msg']}{hint}")
        raise SettingsError("\n".join(lines)) from None


def _closest(name: str, known: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(name.lower(), sorted(known), n=1)
    return match[0] if match else None


def _unknown(prefix: str, name: str, known: Iterable[str]) -> str:
    match = _closest(name, known)
    guess = f" (did you mean {prefix}{match.upper()}?)" if match else ""
    return f"{prefix}{name.upper()}{guess}"


def resolve(registry: Registry, app: Settings) -> PluginSettings:
    for group, known in (("sources", registry.sources), ("aggregations", registry.aggregations)):
        unknown = sorted(set(getattr(app, group)) - set(known))
        if unknown:
            prefix = f"PARIS_{group.upper()}__"
            names = ", ".join(_unknown(prefix, n, known) for n in unknown)
            raise SettingsError(
                f"settings for unknown {group}: {names} (known: {', '.join(sorted(known))})"
            )
    sources: dict[str, SourceSettings] = {}
    disabled: dict[str, str] = {}
    for name, found in sorted(registry.sources.items()):
        prefix = f"PARIS_SOURCES__{name.upper()}__"
        settings = _validate(found.plugin.settings, app.sources.get(name, {}), prefix)
        sources[name] = settings
        if not settings.enabled:
            disabled[name] = f"switched off ({prefix}ENABLED=false)"
        elif found.plugin.disabled_reason is not None:
            reason = found.plugin.disabled_reason(app, settings)
            if reason:
                disabled[name] = reason
    aggregations: dict[str, AggregationSettings] = {}
    for name, found_agg in sorted(registry.aggregations.items()):
        prefix = f"PARIS_AGGREGATIONS__{name.upper()}__"
        aggregations[name] = _validate(
            found_agg.plugin.settings, app.aggregations.get(name, {}), prefix
        )
    return PluginSettings(sources=sources, aggregations=aggregations, disabled=disabled)
