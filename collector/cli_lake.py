"""Commands of the lake: ``sql``, ``backfill``, and the flush one-shot commands run at exit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collector.cli import Context
    from collector.lake.service import LakeFlush
    from collector.plugin import Source
    from collector.storage.base import Store

LAKE_FLUSH_LEASE_S = 3600.0
"""How long a one-shot command holds the lake's lease while it flushes (released at once)."""

SQL_EPILOG = """\
Tables: one per dataset ('.' becomes '_': traffic, traffic_arcs, parking,
departures, velib) and one per analytic; times are UTC. Example:
paris-collector sql "SELECT date_trunc('month', observed_at) AS month,
avg(occupancy_k) AS k FROM traffic GROUP BY 1 ORDER BY 1"
More in docs/lake.md."""


def add_sql_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", metavar="SQL", help="one DuckDB SQL statement")
    p.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="output: aligned text, CSV, or a JSON array of objects",
    )
    p.epilog = SQL_EPILOG


def cmd_sql(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli import EXIT_FAILED, EXIT_STORAGE, CliError
    from collector.lake import query
    from collector.lake.catalog import open_catalog

    try:
        catalog = open_catalog(ctx.app, create=False)
    except FileNotFoundError as exc:
        raise CliError(f"{exc} (run `paris-collector once` or the daemon)", EXIT_STORAGE) from None
    except Exception as exc:  # Glue or S3 unreachable, bad credentials: one message
        raise CliError(f"lake unreachable: {type(exc).__name__}: {exc}", EXIT_STORAGE) from None
    try:
        result = query.run(catalog, ctx.app.lake.namespace, args.query)
    except query.LakeQueryError as exc:
        known = ", ".join(query.tables(catalog, ctx.app.lake.namespace)) or "none yet"
        print(f"paris-collector: {exc}\n  tables: {known}", file=sys.stderr)
        return EXIT_FAILED
    print(query.render(result, args.format))
    return 0


async def flush_before_exit(ctx: Context, store: Store, sources: Iterable[Source]) -> int:
    """What ``once``, ``replay`` and ``backfill`` stored, in the lake before they return.

    Returns 1 when the lake could not take it (the data is in bronze and silver: the daemon's
    next flush folds it in), 0 otherwise.
    """
    if not ctx.app.lake.enabled:
        return 0
    from collector.lake.service import Lake
    from collector.lease import LAKE

    # One lake writer at a time: a daemon on the same storage may hold the lake's lease.
    from collector.storage import StorageError

    now_ms = int(time.time() * 1000)
    holder = f"{ctx.app.daemon_id}:cli"
    try:
        lease = await store.acquire_lease(
            LAKE, holder, now_ms=now_ms, duration_ms=int(LAKE_FLUSH_LEASE_S * 1000)
        )
    except StorageError as exc:  # what was stored waits in bronze for the next flush
        print(f"lake: not flushed, storage refused its lease: {exc}", file=sys.stderr)
        return 1
    if lease.holder != holder:
        print(
            f"lake: not flushed here, {lease.holder} writes it (within PARIS_LAKE__INTERVAL)",
            file=sys.stderr,
        )
        return 0
    aggregations = [ctx.registry.aggregation(n) for n in ctx.plugins.enabled_aggregations()]
    try:
        result: LakeFlush = await Lake(ctx.app, store).flush(list(sources), aggregations)
    finally:
        with contextlib.suppress(StorageError):  # it expires by itself
            await store.release_lease(LAKE, holder)
    for name, error in sorted(result.failures.items()):
        print(f"lake: {name} not written: {error}", file=sys.stderr)
    for report in result.reports.values():
        for error in report.errors:
            print(f"lake: {error}", file=sys.stderr)
    return 0 if result.ok else 1


def add_backfill_arguments(p: argparse.ArgumentParser, parse_time: Any) -> None:
    p.add_argument("source", metavar="SOURCE", help="a source that can backfill (traffic)")
    p.add_argument("--since", type=parse_time, required=True, help="first hour (UTC if naive)")
    p.add_argument("--until", type=parse_time, help="the last hour (UTC if naive; default: now)")
    p.add_argument(
        "--slice-hours",
        type=float,
        default=None,
        help="hours asked per request (default: the source's, a day for traffic)",
    )


def cmd_backfill(ctx: Context, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from tqdm import tqdm

    from collector.backfill import BackfillError, backfill, slices
    from collector.cli import EXIT_FAILED, CliError, _checked
    from collector.http import HttpClient, make_session
    from collector.storage import make_store

    source = ctx.registry.source(args.source)
    if source.backfill is None:
        able = [n for n, f in sorted(ctx.registry.sources.items()) if f.plugin.backfill]
        raise CliError(
            f"source {source.name} cannot backfill (sources that can: {', '.join(able) or 'none'})"
        )
    until = args.until or datetime.now(UTC)
    if args.since >= until:
        raise CliError(
            f"--since {args.since.isoformat()} is not before --until {until.isoformat()}"
        )
    if args.slice_hours is not None and not 0 < args.slice_hours <= 24 * 31:
        raise CliError("--slice-hours must be more than 0 and at most 744")
    step = timedelta(hours=args.slice_hours) if args.slice_hours else source.backfill_slice
    settings = ctx.plugins.sources[source.name]
    total = len(slices(args.since, until, step))

    async def main() -> int:
        async with make_store(ctx.app) as store, make_session(ctx.app.contact) as session:
            await _checked(store)
            http = HttpClient(
                session,
                timeout=ctx.app.http_timeout,
                retries=ctx.app.http_retries,
                backoff=ctx.app.http_backoff,
                max_body_bytes=settings.max_body_bytes,
            )
            with tqdm(total=total, unit="slice", file=sys.stderr, disable=None) as bar:
                try:
                    report = await backfill(
                        store,
                        source,
                        settings,
                        ctx.app,
                        http,
                        since=args.since,
                        until=until,
                        step=step,
                        progress=bar.update,
                    )
                except BackfillError as exc:
                    print(f"paris-collector: backfill stopped: {exc}", file=sys.stderr)
                    print("  what is stored stays; the same command resumes", file=sys.stderr)
                    await flush_before_exit(ctx, store, [source])
                    return EXIT_FAILED
            print(
                f"backfilled {source.name}: {report.slices} slices ({report.skipped} already"
                f" stored), {report.payloads} payloads, {report.records} records,"
                f" {report.written} in silver, {report.older} older than its retention"
                f" (bronze and lake only), {report.invalid} set aside"
            )
            return await flush_before_exit(ctx, store, [source])

    return asyncio.run(main())
