"""Plugin discovery: built-in folders, installed entry points, and a drop-in directory.

Built-ins are found exactly like third-party plugins. A duplicate name, a name that is not
its folder's (or entry point's) name, or an object of the wrong type stops startup with a
:class:`PluginError` that says which plugin and where it came from.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar

from collector.plugin import Aggregation, Record, Source

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE_GROUP = "paris_collector.sources"
AGGREGATION_GROUP = "paris_collector.aggregations"

P = TypeVar("P", Source, Aggregation)


class PluginError(Exception):
    """A plugin that cannot be loaded; the message names it and its origin."""


@dataclass(frozen=True)
class Found(Generic[P]):
    plugin: P
    origin: str


@dataclass(frozen=True)
class Registry:
    sources: dict[str, Found[Source]]
    aggregations: dict[str, Found[Aggregation]]

    def source(self, name: str) -> Source:
        try:
            return self.sources[name].plugin
        except KeyError:
            known = ", ".join(sorted(self.sources)) or "none"
            raise PluginError(f"unknown source {name!r} (known: {known})") from None

    def aggregation(self, name: str) -> Aggregation:
        try:
            return self.aggregations[name].plugin
        except KeyError:
            known = ", ".join(sorted(self.aggregations)) or "none"
            raise PluginError(f"unknown aggregation {name!r} (known: {known})") from None

    def datasets(self) -> set[str]:
        return {d for found in self.sources.values() for d in found.plugin.datasets()}


def _package_folders(package: str) -> Iterator[tuple[str, str]]:
    """(folder name, module name) of every plugin sub-package of a built-in package."""
    module = importlib.import_module(package)
    for path in getattr(module, "__path__", []):
        for child in sorted(Path(path).iterdir()):
            if child.is_dir() and (child / "__init__.py").is_file() and NAME_RE.match(child.name):
                yield child.name, f"{package}.{child.name}"


DROP_IN_PACKAGE = "_paris_plugins"
"""Drop-in folders load as ``_paris_plugins.<sources|aggregations>.<name>``, so a drop-in
imports its own modules relatively (``from .parse import parse``): ``sources.<name>`` is not
its package."""


def _namespace(name: str) -> None:
    # Relative imports inside a drop-in (``from . import x``, ``from .sub import y``) walk up
    # to the top package: it has to exist, although it holds no file.
    if name not in sys.modules:
        package = ModuleType(name)
        package.__path__ = []
        sys.modules[name] = package


def _import_failure(path: Path, namespace: str, exc: Exception) -> str:
    """Name the plugin, the file and line, and for an import the form that works."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve().is_relative_to(path.resolve()):
            where = f" at {Path(frame.filename).relative_to(path.resolve())}:{frame.lineno}"
    message = (
        f"drop-in {namespace[:-1]} {path.name!r} (plugin folder {path}) failed to import{where}:"
        f" {type(exc).__name__}: {exc}"
    )
    if isinstance(exc, ImportError) and exc.name is not None:
        top = exc.name.split(".")[0]
        if top in ("sources", "aggregations", DROP_IN_PACKAGE) or top == path.name:
            message += (
                f". A drop-in loads as {DROP_IN_PACKAGE}.{namespace}.{path.name}, not"
                f" {namespace}.{path.name}: import its own modules relatively, e.g."
                " 'from .parse import parse' (see CONTRIBUTING.md, 'Imports in a plugin')"
            )
        else:
            message += f". Is {top!r} installed in the environment that runs paris-collector?"
    return message


def _load_folder(path: Path, namespace: str) -> ModuleType:
    """Import a drop-in plugin folder under a private namespace, so its name cannot clash."""
    module_name = f"{DROP_IN_PACKAGE}.{namespace}.{path.name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    _namespace(DROP_IN_PACKAGE)
    _namespace(f"{DROP_IN_PACKAGE}.{namespace}")
    spec = importlib.util.spec_from_file_location(
        module_name, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import plugin folder {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise PluginError(_import_failure(path, namespace, exc)) from exc
    return module


def _extract(obj: Any, kind: type[P], attr: str, origin: str) -> P:
    if isinstance(obj, ModuleType):
        if not hasattr(obj, attr):
            raise PluginError(f"{origin}: module {obj.__name__} has no {attr}")
        obj = getattr(obj, attr)
    if not isinstance(obj, kind):
        raise PluginError(f"{origin}: {attr} is a {type(obj).__name__}, not a {kind.__name__}")
    return obj


def _check_source(source: Source, origin: str) -> None:
    if not source.records:
        raise PluginError(f"{origin}: source {source.name!r} declares no record types")
    for model in source.records:
        if not (isinstance(model, type) and issubclass(model, Record)):
            raise PluginError(f"{origin}: {model!r} is not a Record subclass")
    if source.interval.total_seconds() <= 0:
        raise PluginError(f"{origin}: source {source.name!r} has a non-positive interval")


def _add(found: dict[str, Found[P]], plugin: P, expected: str, origin: str) -> None:
    if not NAME_RE.match(plugin.name):
        raise PluginError(f"{origin}: name {plugin.name!r} must match {NAME_RE.pattern}")
    if plugin.name != expected:
        raise PluginError(f"{origin}: plugin is named {plugin.name!r} but lives at {expected!r}")
    if plugin.name in found:
        raise PluginError(
            f"duplicate plugin name {plugin.name!r}: {origin} and {found[plugin.name].origin}"
        )
    if isinstance(plugin, Source):
        _check_source(plugin, origin)
    found[plugin.name] = Found(plugin, origin)


def _discover(
    kind: type[P], attr: str, package: str, group: str, plugin_dir: Path | None
) -> dict[str, Found[P]]:
    found: dict[str, Found[P]] = {}
    builtin_modules = set()
    for folder, module_name in _package_folders(package):
        origin = f"built-in {module_name}"
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise PluginError(f"{origin} failed to import: {exc!r}") from exc
        builtin_modules.add(module_name)
        _add(found, _extract(module, kind, attr, origin), folder, origin)
    for ep in entry_points(group=group):
        # Our own package declares its built-ins as entry points too; count them once.
        if ep.value.split(":")[0] in builtin_modules:
            continue
        origin = f"entry point {ep.name} = {ep.value} ({group})"
        try:
            obj = ep.load()
        except Exception as exc:
            raise PluginError(f"{origin} failed to load: {exc!r}") from exc
        _add(found, _extract(obj, kind, attr, origin), ep.name, origin)
    if plugin_dir is not None:
        base = plugin_dir / package
        for path in sorted(base.iterdir()) if base.is_dir() else ():
            if path.is_dir() and (path / "__init__.py").is_file() and NAME_RE.match(path.name):
                origin = f"plugin folder {path}"
                module = _load_folder(path, package)
                _add(found, _extract(module, kind, attr, origin), path.name, origin)
    return found


def discover(plugin_dir: Path | None = None) -> Registry:
    """Every source and aggregation: built-in, installed, then dropped into ``plugin_dir``.

    ``plugin_dir`` holds ``sources/<name>/`` and ``aggregations/<name>/`` folders.
    """
    if plugin_dir is not None and not plugin_dir.is_dir():
        raise PluginError(f"plugin directory not found: {plugin_dir} (PARIS_PLUGIN_DIR)")
    sources = _discover(Source, "SOURCE", "sources", SOURCE_GROUP, plugin_dir)
    aggregations = _discover(
        Aggregation, "AGGREGATION", "aggregations", AGGREGATION_GROUP, plugin_dir
    )
    datasets = {d for found in sources.values() for d in found.plugin.datasets()}
    for name, found in aggregations.items():
        missing = [
            d for d in (*found.plugin.inputs, *found.plugin.latest_inputs) if d not in datasets
        ]
        if missing:
            raise PluginError(
                f"{found.origin}: aggregation {name!r} reads unknown datasets {missing}"
            )
    return Registry(sources=sources, aggregations=aggregations)
