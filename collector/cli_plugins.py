"""``paris-collector test-plugins [NAME ...]``: every plugin check on the discovered plugins.

Exit 0 when every check passes, 1 with a report per failing check, 2 for an unknown name
(like any bad plugin).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from collector import plugin_golden
from collector.plugin_checks import source_checks
from collector.plugin_checks_agg import aggregation_checks
from collector.registry import PluginError, Registry

if TYPE_CHECKING:
    from collector.cli import Context

Checks = Callable[[], dict[str, Callable[[], list[str]]]]


@dataclass(frozen=True)
class Outcome:
    """One check of one plugin: ``problems`` is empty when it passed."""

    kind: str
    plugin: str
    check: str
    problems: tuple[str, ...]


def _outcomes(kind: str, name: str, checks: Checks) -> Iterator[Outcome]:
    try:
        todo = checks()
    except Exception as exc:  # the plugin's folder cannot be found: nothing else can run
        yield Outcome(kind, name, "folder", (str(exc),))
        return
    for check, fn in todo.items():
        try:
            problems = fn()
        except Exception as exc:  # a plugin's bug is a failed check, not a crash of the run
            problems = [f"raised {type(exc).__name__}: {exc}"]
        yield Outcome(kind, name, check, tuple(problems))


def run(registry: Registry, names: Iterable[str] = (), *, update: bool = False) -> list[Outcome]:
    """Every check of the named plugins (default: all); a ValueError names an unknown one."""
    wanted = set(names)
    known = {*registry.sources, *registry.aggregations}
    if wanted - known:
        unknown = ", ".join(sorted(wanted - known))
        raise ValueError(f"unknown plugin {unknown} (known: {', '.join(sorted(known))})")
    outcomes: list[Outcome] = []
    for name, found in sorted(registry.sources.items()):
        if not wanted or name in wanted:
            checks = functools.partial(source_checks, found.plugin, update=update)
            outcomes += _outcomes("source", name, checks)
    for name, found_agg in sorted(registry.aggregations.items()):
        if not wanted or name in wanted:
            checks = functools.partial(aggregation_checks, found_agg.plugin, registry)
            outcomes += _outcomes("aggregation", name, checks)
    return outcomes


def report(outcomes: list[Outcome], registry: Registry) -> Iterator[str]:
    origins = {n: f.origin for n, f in registry.sources.items()}
    origins |= {n: f.origin for n, f in registry.aggregations.items()}
    current = None
    for outcome in outcomes:
        if (outcome.kind, outcome.plugin) != current:
            current = (outcome.kind, outcome.plugin)
            yield f"{outcome.kind} {outcome.plugin} ({origins.get(outcome.plugin, '?')})"
        yield f"  {'FAIL' if outcome.problems else 'ok':<4}  {outcome.check}"
        for problem in outcome.problems:
            yield f"          {problem}"
    failed = [o for o in outcomes if o.problems]
    plugins = len({(o.kind, o.plugin) for o in outcomes})
    yield f"{plugins} plugins, {len(outcomes)} checks, {len(failed)} failed" + (
        ": " + ", ".join(f"{o.plugin}:{o.check}" for o in failed) if failed else ""
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="sources or aggregations (default: all)"
    )


def known_names(config: str | None) -> dict[str, list[str]] | None:
    """The discovered sources and aggregations by kind, for ``--help``; None when settings or
    discovery fail (``check`` is the command that says why, not a help page)."""
    from collector.registry import discover
    from collector.settings import load_settings

    try:
        registry = discover(load_settings(config).plugin_dir)
    except Exception:
        return None
    return {"sources": sorted(registry.sources), "aggregations": sorted(registry.aggregations)}


def cmd_test_plugins(ctx: Context, args: argparse.Namespace) -> int:
    update = plugin_golden.update_requested()
    try:
        outcomes = run(ctx.registry, args.names, update=update)
    except ValueError as exc:
        # The command line reports a PluginError as bad usage (exit 2). Not CliError: under
        # ``python -m collector.cli`` that class lives in __main__, not collector.cli.
        raise PluginError(str(exc)) from None
    for line in report(outcomes, ctx.registry):
        print(line)
    if update:
        print(f"{plugin_golden.UPDATE_VARIABLE}=1: expected.json rewritten; review the diff")
    return 1 if any(o.problems for o in outcomes) else 0
