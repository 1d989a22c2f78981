"""Commands of the lake: ``sql``, and the flush that one-shot commands run before they exit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.cli import Context
    from collector.lake.service import LakeFlush
    from collector.plugin import Source
    from collector.storage.base import Store

SQL_EPILOG = """\
Tables are named after the datasets ('.' becomes '_': traffic, traffic_arcs, parking,
departures, velib) and the analytics (traffic_congestion_index, ...); times are UTC.
Example: paris-collector sql "SELECT date_trunc('day', observed_at) AS day, avg(k)
FROM traffic GROUP BY 1 ORDER BY 1"
"""


def add_sql_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", metavar="SQL", help="one DuckDB SQL statement")
    p.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="output: aligned text, CSV, or a JSON array of objects (default: table)",
    )
    p.epilog = SQL_EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter


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

    aggregations = [ctx.registry.aggregation(n) for n in ctx.plugins.enabled_aggregations()]
    result: LakeFlush = await Lake(ctx.app, store).flush(list(sources), aggregations)
    for name, error in sorted(result.failures.items()):
        print(f"lake: {name} not written: {error}", file=sys.stderr)
    for report in result.reports.values():
        for error in report.errors:
            print(f"lake: {error}", file=sys.stderr)
    return 0 if result.ok else 1

