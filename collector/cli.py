"""``paris-collector``: the command line.

Exit codes: 0 success; 1 a run, check or replay failed; 2 bad usage, settings or plugins;
3 storage unreachable, or no store there yet.

Only ``init``, ``run`` and ``once`` create storage; the other commands that read or write it
refuse a store that does not exist (:func:`require_store`), so a mistyped data dir is
reported instead of silently becoming an empty store.
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
from zoneinfo import ZoneInfo

from collector import __version__
from collector.logs import configure
from collector.plugin_settings import PluginSettings, resolve
from collector.registry import PluginError, Registry, discover
from collector.secrets import register_settings
from collector.settings import Settings, SettingsError, check_can_write, load_settings
from collector.storage.base import StorageError, StoreMissing

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STORAGE = 0, 1, 2, 3
READERS = frozenset({"api", "dashboard", "plugins", "demo", "test-plugins"})
"""Commands that never open the configured store for writing (demo brings its own)."""
PARIS = ZoneInfo("Europe/Paris")


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
        from collector.cli_lake import flush_before_exit

        async with Services(ctx.app, ctx.registry, ctx.plugins) as services:
            await _checked(services.store)
            results = await run_once(services, names)
            sources = [ctx.registry.source(name) for name in names]
            lake = await flush_before_exit(ctx, services.store, sources)
        return EXIT_FAILED if any(r.failed for r in results) or lake else EXIT_OK

    with _locked(ctx, "once"):
        return asyncio.run(main())


async def _checked(store: Any) -> None:
    try:
        await store.check()
    except StorageError as exc:
        raise storage_error(exc) from None


def storage_error(exc: StorageError) -> CliError:
    """Exit 3 with one line: a store that answers but was never created, or no answer."""
    if isinstance(exc, StoreMissing):
        return CliError(f"no store there: {exc}", EXIT_STORAGE)
    return CliError(f"storage unreachable: {exc}", EXIT_STORAGE)


def require_store(ctx: Context) -> None:
    """Refuse, before anything opens it, a local store that was never created.

    Opening the local store creates its database (the daemon must start on a fresh data dir),
    so without this ``status`` on a mistyped ``PARIS_DATA_DIR`` would make an empty store
    there and report every source "never run". Opening the AWS store creates nothing, and its
    ``check`` names the missing bucket or table (:class:`StoreMissing`).
    """
    if ctx.app.storage != "local":
        return
    from collector.storage.local import LocalStore

    missing = LocalStore(ctx.app.data_dir).missing()
    if missing:
        what = "no such directory" if missing[0] == ctx.app.data_dir else f"no {missing[0].name}"
        raise CliError(
            f"no store at {ctx.app.data_dir} ({what}): run"
            " `paris-collector init` (or `run`/`once`) to create one, or check PARIS_DATA_DIR",
            EXIT_STORAGE,
        )


def cmd_replay(ctx: Context, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from collector.replay import bronze_keys, replay
    from collector.storage import make_store

    source = ctx.registry.source(args.source)
    retention = ctx.plugins.sources[args.source].retention_days
    _check_window(args.since, args.until)
    require_store(ctx)

    async def main() -> int:
        async with make_store(ctx.app) as store:
            await _checked(store)
            todo = await bronze_keys(store, source.name, args.since, args.until)
            with tqdm(total=len(todo), unit="payload", file=sys.stderr, disable=None) as bar:
                report = await replay(
                    store,
                    source,
                    retention,
                    keys_=todo,
                    progress=bar.update,
                    settings=ctx.plugins.sources[args.source],
                )
            lake = 0
            if todo:
                from collector.cli_lake import flush_before_exit
                from collector.lake.cursor import rewind

                # The parser may read these payloads differently now: the lake follows silver.
                await rewind(store, source.name, todo[0])
                lake = await flush_before_exit(ctx, store, [source])
        print(
            f"replayed {report.payloads} payloads of {source.name}: {report.records} records,"
            f" {report.written} written, {report.invalid} set aside,"
            f" {len(report.failures)} unreadable"
        )
        for failure in report.failures:
            print(f"  unreadable: {failure}", file=sys.stderr)
        return EXIT_FAILED if report.failures or lake else EXIT_OK

    with _locked(ctx, "replay"):
        return asyncio.run(main())


def _check_window(since: datetime | None, until: datetime | None) -> None:
    """A replay window that can hold no payload is a mistake, not an empty replay."""
    from collector.replay import check_window

    try:
        check_window(since, until, datetime.now(UTC))
    except ValueError as exc:
        raise CliError(f"replay: {exc}") from None


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
    require_store(ctx)

    async def main() -> int:
        async with make_store(ctx.app) as store:
            await _checked(store)
        print("storage: reachable")
        return EXIT_OK

    return asyncio.run(_guard_storage(main))


async def _guard_storage(fn: Callable[[], Any]) -> int:
    try:
        result: int = await fn()
    except StorageError as exc:
        raise storage_error(exc) from None
    return result


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    from collector.storage import make_store

    async def main() -> int:
        async with make_store(ctx.app) as store:
            created = await store.init()
            tables = await _register_lake(ctx, store)
        for item in created:
            print(f"created {item}")
        print("storage ready" + ("" if created else " (nothing to create)"))
        if tables:
            print(f"lake ready: {len(tables)} tables in {ctx.app.lake.namespace}")
        return EXIT_OK

    return asyncio.run(_guard_storage(main))


async def _register_lake(ctx: Context, store: Any) -> list[str]:
    """Every dataset's and analytic's lake table, so that Athena has them before any flush."""
    if not ctx.app.lake.enabled:
        return []
    from collector.lake.service import Lake

    sources = [found.plugin for _, found in sorted(ctx.registry.sources.items())]
    aggregations = [found.plugin for _, found in sorted(ctx.registry.aggregations.items())]
    try:
        return await asyncio.to_thread(Lake(ctx.app, store).register, sources, aggregations)
    except Exception as exc:  # Glue refused, S3 unreachable: the hot store is ready anyway
        raise CliError(f"lake not created: {type(exc).__name__}: {exc}", EXIT_STORAGE) from None


def cmd_backfill(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_lake import cmd_backfill as backfill

    return backfill(ctx, args)


def cmd_sql(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_lake import cmd_sql as sql

    return sql(ctx, args)


def cmd_aggregate(ctx: Context, args: argparse.Namespace) -> int:
    from collector.daemon import Services, run_aggregations

    names = args.aggregations or ctx.plugins.enabled_aggregations()
    for name in names:
        ctx.registry.aggregation(name)
    require_store(ctx)  # gold goes beside the silver it is computed from

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

    now = datetime.now(UTC)
    day = args.date or yesterday_in_paris(now)
    today = now.astimezone(PARIS).date()
    if day > today:
        raise CliError(f"report: --date {day} is in the future (today in Paris is {today})")
    require_store(ctx)

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

    require_store(ctx)
    return status(ctx, args)


def cmd_dlq(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_ops import cmd_dlq as dlq

    if args.source is not None:
        ctx.registry.source(args.source)  # an unknown name: exit 2, the known ones listed
    require_store(ctx)  # before the lock, whose file would make the data dir
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


def cmd_revisit(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_revisit import cmd_revisit as revisit

    return revisit(ctx, args)


def cmd_completeness(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_completeness import cmd_completeness as completeness

    return completeness(ctx, args)


def cmd_test_plugins(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli_plugins import cmd_test_plugins as test_plugins

    return test_plugins(ctx, args)


COMMANDS: dict[str, tuple[Callable[[Context, argparse.Namespace], int], str]] = {
    # One line each in `paris-collector --help`: keep every text under 58 characters.
    "run": (cmd_run, "the daemon: every enabled source on its interval"),
    "once": (cmd_once, "one run of each source (default: every enabled one)"),
    "replay": (cmd_replay, "rebuild silver from the raw payloads in bronze"),
    "plugins": (cmd_plugins, "list sources and aggregations: interval, state, origin"),
    "check": (cmd_check, "validate settings and plugins, and reach the storage"),
    "aggregate": (cmd_aggregate, "run aggregations once into gold (default: every enabled)"),
    "report": (cmd_report, "write a Paris day of every analytic as JSON and CSV"),
    "status": (cmd_status, "per source: last run, errors, freshness; spool, leases"),
    "dlq": (cmd_dlq, "records set aside: list them, or replay them after a fix"),
    "api": (cmd_api, "serve the REST API against the configured storage"),
    "dashboard": (cmd_dashboard, "serve the dashboard against the configured storage"),
    "demo": (cmd_demo, "the whole platform offline, on a replay of the upstreams"),
    "init": (cmd_init, "create the storage: bucket and tables, or dirs and schema"),
    "backfill": (cmd_backfill, "pull a publisher's history, resumable, into the lake"),
    "sql": (cmd_sql, "SQL over the lake (DuckDB): a table per dataset"),
    "test-plugins": (cmd_test_plugins, "run the checks and golden cases of every plugin"),
    "revisit": (cmd_revisit, "fetch a source's trailing window again (corrections)"),
    "completeness": (cmd_completeness, "per source and slot: expected, received, state"),
}

NEEDS_STORE = " Needs an existing store (made by init, run or once): exit 3 when there is none."
DESCRIPTIONS = {
    "run": "Run the daemon: every enabled source on its interval, aggregations after them,"
    " the daily report after midnight (Paris), until SIGTERM, SIGINT or SIGHUP."
    " Creates the storage if needed.",
    "once": "One run of each named source (default: every enabled one), then exit; exit 1 if"
    " any failed. Creates the storage if needed.",
    "replay": "Rebuild silver from the raw payloads in bronze, fetched in [--since, --until]."
    + NEEDS_STORE,
    "check": "Validate settings and plugins, and reach the storage." + NEEDS_STORE,
    "aggregate": "Run the named aggregations once (default: every enabled one); their results"
    " go to gold, beside the silver they read." + NEEDS_STORE,
    "report": "Write a Paris day's series of every analytic as JSON and CSV under"
    " reports/<date>/ in the bronze store." + NEEDS_STORE,
    "status": "Per source: last run, last success, last error, failures, records, data age,"
    " breaker; the spool; leases and the writer lock; exit 1 when a source is failing."
    + NEEDS_STORE,
    "dlq": "Records set aside: 'list' them (reason, raw payload pointer), or 'replay' them"
    " (parse their payloads again) after a fix." + NEEDS_STORE,
    "init": "Create the bucket, tables, indexes and TTL, or the local dirs and schema, and the"
    " lake's tables (in Glue on AWS) (idempotent).",
    "backfill": "Pull the publisher's history of a source that can (traffic: its 13 rolling"
    " months) in slices, with a progress bar, into bronze and the lake, and into silver what"
    " its retention covers. Resumable: after Ctrl-C, a crash or an exhausted quota, the same"
    " command continues after the last slice stored. May run beside the daemon."
    " Creates the storage if needed.",
    "sql": "One DuckDB SQL statement over the lake: a table per dataset ('.' becomes '_':"
    " traffic, traffic_arcs, parking, departures, velib) and per analytic; times in UTC."
    " Exit 1 for a bad query (the tables are listed), 3 when there is no lake yet.",
    "completeness": "The completeness ledger: per source and slot, the entities expected to"
    " report, those that did, and the slot's state (ok, partial, late, missing: the daemon"
    " was down or the fetch failed), as a table or JSON (--format json, as the API answers)."
    " --rebuild rewrites the range's entries from the raw payloads in bronze first." + NEEDS_STORE,
    "revisit": "Fetch the trailing window a source declares (traffic: 2 days) again now, for"
    " the data its publisher filled in or corrected since: changed records are rewritten,"
    " counted as revisions in the completeness ledger, and reach the lake. The daemon does it"
    " by itself once a day at a quiet time; refused while a daemon collects the source."
    + NEEDS_STORE,
}

PLUGIN_NAMES = {
    "once": ("sources",),
    "replay": ("sources",),
    "dlq": ("sources",),
    "aggregate": ("aggregations",),
    "test-plugins": ("sources", "aggregations"),
    "backfill": ("sources",),
    "revisit": ("sources",),
    "completeness": ("sources",),
}
"""The commands whose --help lists the names they take, from plugin discovery."""

COMMAND_COLUMN = 18
"""Where `paris-collector --help` starts each command's line: after the longest name."""
LOG_LEVELS = ["debug", "info", "warning", "error"]
LOG_FORMATS = ["auto", "json", "console"]


class HelpFormatter(argparse.HelpFormatter):
    """Each option's default after its help (none for an unset or boolean one); descriptions
    and epilogs wrapped line by line, so an epilog's list of names keeps its lines."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "%(default)" in text or default in (None, False, [], argparse.SUPPRESS):
            return text
        if not action.option_strings and action.nargs not in ("?", "*"):
            return text
        return f"{text} (default: %(default)s)"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            super(HelpFormatter, self)._fill_text(line, width, indent) for line in text.splitlines()
        )


class HelpWithNames(argparse.Action):
    """``-h``: the command's help, then the plugin names it takes.

    Discovery runs only when help is asked for (it imports every plugin), and whatever makes
    it fail (bad settings, a broken plugin: ``check`` reports those) only drops the list.
    """

    def __init__(
        self, option_strings: Sequence[str], dest: str, kinds: Sequence[str] = (), **kw: Any
    ) -> None:
        kw.pop("default", None)
        kw.pop("nargs", None)
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, **kw
        )
        self.kinds = tuple(kinds)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        from collector.cli_plugins import known_names

        found = known_names(getattr(namespace, "config", None)) if self.kinds else None
        if found is not None:
            lines = [f"known {kind}: {', '.join(found[kind]) or 'none'}" for kind in self.kinds]
            parser.epilog = "\n".join([parser.epilog, *lines] if parser.epilog else lines)
        parser.print_help()
        parser.exit()


def _logging_options(p: argparse.ArgumentParser, default: Any) -> None:
    """``--config``, ``--log-level``, ``--log-format``, before or after the command.

    The copy after the command has no default (SUPPRESS), so it sets the value only when
    given: one given before the command is not overwritten by the subcommand's default.
    """
    p.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="TOML settings file (default: PARIS_CONFIG, else none)",
    )
    p.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=default,
        help="log verbosity (default: PARIS_LOG_LEVEL, else info)",
    )
    p.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=default,
        help="log lines (default: PARIS_LOG_FORMAT, else auto: JSON unless on a terminal)",
    )


def _add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "once":
        p.add_argument("sources", nargs="*", metavar="SOURCE", help="sources to run")
    elif name == "aggregate":
        p.add_argument("aggregations", nargs="*", metavar="NAME", help="aggregations to run")
    elif name == "report":
        p.add_argument("--date", type=parse_date, help="Paris calendar day (default: yesterday)")
    elif name == "status":
        p.add_argument("--json", action="store_true", help="machine-readable output")
    elif name == "dlq":
        p.add_argument("action", choices=["list", "replay"], help="list or replay them")
        p.add_argument("source", nargs="?", metavar="SOURCE", help="one source (default: all)")
    elif name in ("api", "dashboard", "demo"):
        from collector.cli_serve import add_arguments

        add_arguments(name, p)
    elif name == "replay":
        p.add_argument("source", metavar="SOURCE", help="the source to replay")
        p.add_argument(
            "--since", type=parse_time, help="first fetch time (UTC if naive; default: the first)"
        )
        p.add_argument(
            "--until", type=parse_time, help="last fetch time (UTC if naive; default: now)"
        )
    elif name == "test-plugins":
        from collector.cli_plugins import add_arguments as add_plugin_arguments

        add_plugin_arguments(p)
    elif name == "backfill":
        from collector.cli_lake import add_backfill_arguments

        add_backfill_arguments(p, parse_time)
    elif name == "revisit":
        from collector.cli_revisit import add_arguments as add_revisit_arguments

        add_revisit_arguments(p)
    elif name == "completeness":
        from collector.cli_completeness import add_arguments as add_completeness_arguments

        add_completeness_arguments(p, parse_time)
    elif name == "sql":
        from collector.cli_lake import add_sql_arguments

        add_sql_arguments(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paris-collector",
        description="Collect Paris public data into bronze (raw) and silver (clean) storage.",
        epilog="Exit codes: 0 ok, 1 a run/check failed, 2 bad usage/settings/plugins,"
        " 3 storage unreachable or no store there.\nSettings: PARIS_* environment variables,"
        " .env, --config. 'paris-collector COMMAND --help' for a command's options.",
        # Narrow enough for every command's one line to fit in 80 columns.
        formatter_class=lambda prog: HelpFormatter(prog, max_help_position=COMMAND_COLUMN),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _logging_options(parser, None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_fn, help_text) in COMMANDS.items():
        p = sub.add_parser(
            name,
            help=help_text,
            description=DESCRIPTIONS.get(name, help_text[0].upper() + help_text[1:] + "."),
            formatter_class=HelpFormatter,
            add_help=False,
        )
        p.add_argument(
            "-h",
            "--help",
            action=HelpWithNames,
            kinds=PLUGIN_NAMES.get(name, ()),
            help="show this help message and exit",
        )
        _logging_options(p, argparse.SUPPRESS)
        _add_arguments(name, p)
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
    except StorageError as exc:  # one a command did not expect: still one line, exit 3
        print(f"paris-collector: {storage_error(exc)}", file=sys.stderr)
        return EXIT_STORAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Under ``python -m collector.cli`` this file runs as ``__main__``, a second copy of the
    # module: run the importable one, so that a CliError the helper modules raise (imported
    # from ``collector.cli``) is the class ``main`` catches.
    from collector.cli import main as _main

    sys.exit(_main())
