"""The checks every plugin passes, wherever it lives: built-in, ``PARIS_PLUGIN_DIR`` or an
installed entry point. ``paris-collector test-plugins`` runs them; so does the repository's
own test suite, through the same functions. The aggregations' own are in
:mod:`collector.plugin_checks_agg`.

Each check is a pure function of the plugin (and its folder) returning its problems: an empty
list means it passes. A plugin's exception is a failed check, never a crash of the checker.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from collector import plugin_golden
from collector.plugin import Aggregation, Record, Source, SourceSettings
from collector.plugin_checks_quality import check_quality
from collector.registry import NAME_RE

SOURCE_HEADINGS = (
    "## Description",
    "## Configuration",
    "## Records",
    "## Example output",
    "## Limits",
)
MAX_MODULE_LINES = {"source": 200, "aggregation": 150}
"""A module longer than this is split: a reviewer reads a plugin in one sitting."""


def _package(module: ModuleType) -> ModuleType | None:
    if Path(module.__file__ or "").name == "__init__.py":
        return module
    parent = sys.modules.get(module.__name__.rpartition(".")[0])
    return parent if parent is not None and parent.__file__ else None


def plugin_folder(plugin: Source | Aggregation) -> Path:
    """The folder of the package that exposes ``plugin`` (its README, testcases, modules)."""
    attr = "SOURCE" if isinstance(plugin, Source) else "AGGREGATION"
    holders = [
        module
        for module in list(sys.modules.values())
        if getattr(module, "__dict__", {}).get(attr) is plugin and getattr(module, "__file__", None)
    ]
    # A module that imported the plugin (a test module: ``from sources.x import SOURCE``)
    # holds it too: the plugin's own package comes first.
    packages = [m for m in holders if hasattr(m, "__path__")] or holders
    package = _package(min(packages, key=lambda m: len(m.__name__))) if packages else None
    if package is None or package.__file__ is None:
        raise ValueError(
            f"cannot find the package of {plugin.name!r}: a plugin is a folder with an"
            f" __init__.py exposing {attr}, its README.md and testcases/ beside it"
        )
    return Path(package.__file__).resolve().parent


def check_readme(folder: Path, headings: Iterable[str], title: str | None = None) -> list[str]:
    path = folder / "README.md"
    if not path.is_file():
        return ["README.md missing"]
    text = path.read_text(encoding="utf-8")
    problems = []
    if title is not None and not text.startswith(f"{title}\n"):
        problems.append(f"README.md must start with the line {title!r}")
    found = re.findall(r"^## .*$", text, flags=re.M)
    if found != list(headings):
        problems.append(f"README.md headings are {found}, expected exactly {list(headings)}")
    return problems


def check_modules(folder: Path, kind: str) -> list[str]:
    limit = MAX_MODULE_LINES[kind]
    problems = []
    for module in sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts):
        lines = len(module.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            name = module.relative_to(folder)
            problems.append(f"{name}: {lines} lines, more than {limit}: split it")
    return problems


def check_sample_config(source: Source, folder: Path) -> list[str]:
    """``sample.toml`` lists every setting of the plugin's own, commented out, with its default
    value; the settings every source has may be listed too (the same rule), not required: a
    plugin written before the core added one still passes."""
    path = folder / "sample.toml"
    if not path.is_file():
        return ["sample.toml missing"]
    text = path.read_text(encoding="utf-8")
    if not re.search(rf"^\[sources\.{source.name}\]", text, flags=re.M):
        return [f"sample.toml has no [sources.{source.name}] table"]
    problems = [
        f"setting {field!r} not listed as '# {field} = <default>'"
        for field in source.settings.model_fields
        if field not in SourceSettings.model_fields
        and not re.search(rf"^# {field} =", text, flags=re.M)
    ]
    uncommented = "\n".join(
        line[2:] if re.match(r"^# [a-z_]+ = \S", line) else line for line in text.splitlines()
    )
    try:
        values = tomllib.loads(uncommented)["sources"][source.name]
        settings = source.settings.model_validate(values)
        defaults = source.settings()
    except Exception as exc:
        return [*problems, f"sample.toml values are not valid settings: {exc}"]
    for key in values:
        default = source.interval.total_seconds() if key == "interval" else getattr(defaults, key)
        if getattr(settings, key) != default:
            problems.append(f"{key} = {getattr(settings, key)!r} but the default is {default!r}")
    return problems


def check_golden(source: Source, folder: Path, *, update: bool = False) -> list[str]:
    cases = plugin_golden.cases(folder)
    if not cases:
        return ["no golden case: add testcases/<case>/payload.json and expected.json"]
    return [p for case in cases for p in plugin_golden.check_case(source, case, update=update)]


def check_settings(model: type[BaseModel], base: type[BaseModel]) -> list[str]:
    if not (isinstance(model, type) and issubclass(model, base)):
        return [f"settings {model!r} is not a subclass of {base.__name__}"]
    try:
        model()
    except Exception as exc:
        return [f"a setting has no valid default: {exc}"]
    return []


def check_records(source: Source) -> list[str]:
    problems = [] if source.description else ["description is empty"]
    datasets = source.datasets()
    if len(set(datasets)) != len(datasets):
        problems.append(f"two record types share a dataset: {list(datasets)}")
    for model in source.records:
        if not (isinstance(model, type) and issubclass(model, Record)):
            problems.append(f"{model!r} is not a Record subclass")
            continue
        if model.stream and not NAME_RE.match(model.stream):
            problems.append(f"{model.__name__}.stream {model.stream!r}: not {NAME_RE.pattern}")
        try:
            model.model_json_schema()
        except Exception as exc:
            problems.append(f"{model.__name__} has no JSON schema: {exc}")
    return problems


def source_checks(source: Source, *, update: bool = False) -> dict[str, Callable[[], list[str]]]:
    """The checks of one source, by name, to run one by one (a check may raise: a plugin's
    bug, which the caller reports as that check's failure)."""
    folder = plugin_folder(source)
    return {
        "readme": lambda: check_readme(folder, SOURCE_HEADINGS),
        "sample_config": lambda: check_sample_config(source, folder),
        "modules": lambda: check_modules(folder, "source"),
        "settings": lambda: check_settings(source.settings, SourceSettings),
        "records": lambda: check_records(source),
        "golden": lambda: check_golden(source, folder, update=update),
        "quality": lambda: check_quality(source, folder),
    }
