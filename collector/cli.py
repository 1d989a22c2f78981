"""``paris-collector``: the command line.

Exit codes: 0 success; 1 a run, check or replay failed; 2 bad usage, settings or plugins;
3 storage unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from collector import __version__
from collector.logs import configure
from collector.plugin_settings import PluginSettings, resolve
from collector.registry import PluginError, Registry, discover
from collector.secrets import register_settings
from collector.settings import Settings, SettingsError, check_can_write, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STORAGE = 0, 1, 2, 3
READERS = frozenset({"api", "dashboard", "plugins", "demo", "test-plugins"})
"""Commands that never open the configured store for writing (demo brings its own)."""


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Context:
    app: Settings
    registry: Registry
    plugins: PluginSettings


def load_context(args: argparse.Namespace) -> Context:
    try:
        app = load_settings(args.config)
        if args.command not in READERS:
            check_can_write(app)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    secrets = [s.get_secret_value() for s in (app.sncf_token, app.opendata_apikey) if s]
    configure(args.log_level or app.log_level, args.log_format or app.log_format, secrets)
    try:
        registry = discover(app.plugin_dir)
        plugins = resolve(registry, app)
    except (PluginError, SettingsError) as exc:
        raise CliError(str(exc)) from None
    # Secrets a plugin declares in its own settings are masked like the app's.
    register_settings(app, plugins)
    return Context(app, registry, plugins)


def parse_time(text: str) -> datetime:
    """``2025-11-04``, ``2025-11-04T19:00`` or with an offset; naive means UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextlib.contextmanager
def _locked(ctx: Context, command: str) -> Iterator[None]:
    """The data dir's one-writer lock, for the commands that write silver, state or the spool
    (the spool is local on either backend): refused with exit 2 while another one holds it."""
    from collector.lock import DataDirLock, LockHeld, describe

    lock = DataDirLock(ctx.app.data_dir, command)
    try:
        lock.acquire()
    except LockHeld as exc:
        raise CliError(
            f"data dir {ctx.app.data_dir} is in use by {describe(exc.holder)}: one writer per"
            " data dir; stop it first, or give this one its own PARIS_DATA_DIR"
        ) from None
    except OSError as exc:
        raise CliError(f"cannot lock data dir {ctx.app.data_dir}: {exc}", EXIT_STORAGE) from None
    try:
        yield
    finally:
        lock.release()


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    from collector.daemon import run_daemon

    with _locked(ctx, "run"):
        return run_daemon(ctx.app, ctx.registry, ctx.plugins)


def cmd_once(ctx: Context, args: argparse.Namespace) -> int:
    from collector.daemon import Services, run_once

    names = args.sources or ctx.plugins.enabled_sources()
    for name in names:
        ctx.registry.source(name)
        if name in ctx.plugins.disabled:
            raise CliError(f"source {name} is disabled: {ctx.plugins.disabled[name]}", EXIT_FAILED)

    async def main() -> int:
        async with Services(ctx.app, ctx.registry, ctx.plugins) as services:
            await _checked(services.store)
            results = await run_once(services, names)
        return EXIT_FAILED if any(r.failed for r in results) else EXIT_OK

    with _locked(ctx, "once"):
        return asyncio.run(main())


async def _checked(store: Any) -> None:
    from collector.storage import StorageError

    try:
        await store.check()
    except StorageError as exc:
        raise CliError(f"storage unreachable: {exc}", EXIT_STORAGE) from None


def cmd_replay(ctx: Context, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from collector.replay import bronze_keys, replay
    from collector.storage import make_store

    source = ctx.registry.source(args.source)
    retention = ctx.plugins.sources[args.source].retention_days

    async def main() -> int:
        async with make_store(ctx.app) as store:
            await _checked(store)
            todo = await bronze_keys(store, source.name, args.since, args.until)
            with tqdm(total=len(todo), unit="payload", file=sys.stderr, disable=None) as bar:
                report = await replay(store, source, retention, keys_=todo, progress=bar.update)
        print(
            f"replayed {report.payloads} payloads of {source.name}: {report.records} records,"
            f" {report.written} written, {report.invalid} set aside,"
            f" {len(report.failures)} unreadable"
        )
        for failure in report.failures:
            print(f"  unreadable: {failure}", file=sys.stderr)
        return EXIT_FAILED if report.failures else EXIT_OK

    with _locked(ctx, "replay"):
        return asyncio.run(main())


def cmd_plugins(ctx: Context, args: argparse.Namespace) -> int:
    print(f"{'kind':<12} {'name':<34} {'interval':>9}  {'state':<9} origin")
    for name, found in sorted(ctx.registry.sources.items()):
        settings = ctx.plugins.sources[name]
        interval = settings.interval or found.plugin.interval.total_seconds()
        state = "disabled" if name in ctx.plugins.disabled else "enabled"
        print(f"{'source':<12} {name:<34} {interval:>8g}s  {state:<9} {found.origin}")
        if name in ctx.plugins.disabled:
            print(f"{'':<12} {'':<34} {'':>9}  reason: {ctx.plugins.disabled[name]}")
    for name, found_agg in sorted(ctx.registry.aggregations.items()):
        agg_settings = ctx.plugins.aggregations[name]
        interval = agg_settings.interval or found_agg.plugin.interval.total_seconds()
        state = "enabled" if agg_settings.enabled else "disabled"
        print(f"{'aggregation':<12} {name:<34} {interval:>8g}s  {state:<9} {found_agg.origin}")
    return EXIT_OK


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    from collector.storage import make_store

    print(f"settings: ok (storage={ctx.app.storage})")
    print(
        f"plugins: {len(ctx.registry.sources)} sources, {len(ctx.registry.aggregations)}"
        " aggregations"
    )
    for name, reason in sorted(ctx.plugins.disabled.items()):
        print(f"  {name}: disabled: {reason}")

    async def main() -> int:
        async with make_store(ctx.app) as store:
            await _checked(store)
        print("storage: reachable")
        return EXIT_OK

    return asyncio.run(_guard_storage(main))


async def _guard_storage(fn: Callable[[], Any]) -> int:
    from collector.storage import StorageError

    try:
        result: int = await fn()
    except StorageError as exc:
        raise CliError(f"storage unreachable: {exc}", EXIT_STORAGE) from None
    return result


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    from collector.storage import make_store

    async def main() -> int:
        async with make_store(ctx.app) as store:
            created = await store.init()
        for item in created:
            print(f"created {item}")
        print("storage ready" + ("" if created else " (nothing to create)"))
        return EXIT_OK

    return asyncio.run(_guard_storage(main))


def cmd_aggregate(ctx: Context, args: argparse.Namespace) -> int:
    from collector.daemon import Services, run_aggregations

    names = args.aggregations or ctx.plugins.enabled_aggregations()
    for name in names:
        ctx.registry.aggregation(name)

    async def main() -> int:
        async with Services(ctx.app, ctx.registry, ctx.plugins) as services:
            await _checked(services.store)
            for name in names:
                if name not in services.aggregators:  # switched off, but asked for by name
                    from collector.aggregate import AggregationRunner

                    services.aggregators[name] = AggregationRunner(
                        ctx.registry.aggregation(name),
                        ctx.plugins.aggregations[name],
                        services.store,
                    )
            results = await run_aggregations(services, names)
        for r in results:
            print(
                f"{r.name:<36} {r.status:<14} window_end={r.window_end} inputs={r.inputs}"
                + (f" error={r.error}" if r.error else "")
            )
        return EXIT_FAILED if any(r.failed for r in results) else EXIT_OK

    return asyncio.run(main())


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from collector.report import write_report, yesterday_in_paris
    from collector.storage import make_store

    day = args.date or yesterday_in_paris(datetime.now(UTC))

    async def main() -> int:
        async with make_store(ctx.app) as store:
            await _checked(store)
            written = await write_report(store, ctx.registry.aggregations, day)
        for w in written:
            print(f"{w.aggregation:<36} {w.points:>5} points  {w.keys[0]}  {w.keys[1]}")
        return EXIT_OK

    return asyncio.run(main())


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_ops import cmd_status as status

    return status(ctx, args)


def cmd_dlq(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_ops import cmd_dlq as dlq

    if args.action != "replay":
        return dlq(ctx, args)
    with _locked(ctx, "dlq replay"):
        return dlq(ctx, args)


def cmd_api(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_serve import cmd_api as api

    return api(ctx, args)


def cmd_dashboard(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_serve import cmd_dashboard as dashboard

    return dashboard(ctx, args)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_serve import cmd_demo as demo

    return demo(ctx, args)


def cmd_test_plugins(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_plugins import cmd_test_plugins as test_plugins

    return test_plugins(ctx, args)


COMMANDS: dict[str, tuple[Callable[[Context, argparse.Namespace], int], str]] = {
    "run": (cmd_run, "run the daemon: every enabled source on its interval, until SIGTERM"),
    "once": (cmd_once, "one run of each source (all enabled by default), then exit"),
    "replay": (cmd_replay, "rebuild silver from the raw payloads in bronze"),
    "plugins": (cmd_plugins, "list sources and aggregations with interval and state"),
    "check": (cmd_check, "validate settings and plugins, and reach the storage"),
    "aggregate": (cmd_aggregate, "run aggregations once (all enabled by default) into gold"),
    "report": (cmd_report, "write a day's series of every analytic as JSON and CSV"),
    "status": (cmd_status, "per source: last run, last success, errors, freshness, spool"),
    "dlq": (cmd_dlq, "records set aside: 'dlq list [SOURCE]', 'dlq replay [SOURCE]' after a fix"),
    "api": (cmd_api, "serve the REST API on localhost against the configured storage"),
    "dashboard": (cmd_dashboard, "serve the Streamlit dashboard against the configured storage"),
    "demo": (cmd_demo, "the whole platform offline: replay upstream, daemon, API, dashboard"),
    "init": (cmd_init, "create bucket, tables, indexes and TTL (or local dirs and schema)"),
    "test-plugins": (cmd_test_plugins, "run the plugin checks and golden cases of every plugin"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paris-collector",
        description="Collect Paris public data into bronze (raw) and silver (clean) storage.",
        epilog="Exit codes: 0 ok, 1 a run/check failed, 2 bad usage/settings/plugins,"
        " 3 storage unreachable. Settings: PARIS_* environment variables, .env, --config.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="TOML settings file (or PARIS_CONFIG)")
    common.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    common.add_argument("--log-format", choices=["auto", "json", "console"])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_fn, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        if name == "once":
            p.add_argument("sources", nargs="*", metavar="SOURCE")
        elif name == "aggregate":
            p.add_argument("aggregations", nargs="*", metavar="NAME")
        elif name == "report":
            p.add_argument(
                "--date", type=parse_date, help="Paris calendar day (default: yesterday)"
            )
        elif name == "status":
            p.add_argument("--json", action="store_true", help="machine-readable output")
        elif name == "dlq":
            p.add_argument("action", choices=["list", "replay"])
            p.add_argument("source", nargs="?", metavar="SOURCE")
        elif name in ("api", "dashboard", "demo"):
            from collector.cli_serve import add_arguments

            add_arguments(name, p)
        elif name == "replay":
            p.add_argument("source", metavar="SOURCE")
            p.add_argument("--since", type=parse_time, help="first fetch time (UTC if naive)")
            p.add_argument("--until", type=parse_time, help="last fetch time (UTC if naive)")
        elif name == "test-plugins":
            from collector.cli_plugins import add_arguments as add_plugin_arguments

            add_plugin_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        ctx = load_context(args)
        fn = COMMANDS[args.command][0]
        return fn(ctx, args)
    except PluginError as exc:
        print(f"paris-collector: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CliError as exc:
        print(f"paris-collector: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
