"""``paris-collector revisit SOURCE``: fetch the source's trailing window again, now.

The daemon does it on its own once per ``Revisit.every``; this runs one at once, whether due
or not, and saves it as the last one (so the daemon's next is one ``every`` later). It holds
the data dir's writer lock and the source's lease while it runs, so it never overlaps the
source's own runs: while a daemon collects the source, it is refused (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.cli import Context

LEASE_S = 3600.0
"""How long the command holds the source's lease (released as soon as it ends)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE", help="a source that declares a revisit (traffic)")


def cmd_revisit(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli import EXIT_FAILED, CliError, _checked, _locked
    from collector.cli_lake import flush_before_exit
    from collector.http import HttpClient, make_session
    from collector.lease import source_lease
    from collector.revisit import revisit, save_attempt
    from collector.storage import StorageError, make_store

    source = ctx.registry.source(args.source)
    if source.revisit is None or source.backfill is None:
        able = [
            n
            for n, f in sorted(ctx.registry.sources.items())
            if f.plugin.revisit and f.plugin.backfill
        ]
        raise CliError(
            f"source {source.name} does not revisit (sources that do: {', '.join(able) or 'none'})"
        )
    if source.name in ctx.plugins.disabled:
        raise CliError(f"source {source.name} is disabled: {ctx.plugins.disabled[source.name]}")
    every = source.revisit.every
    settings = ctx.plugins.sources[source.name]
    lease, holder = source_lease(source.name), f"{ctx.app.daemon_id}:cli"

    async def main() -> int:
        async with make_store(ctx.app) as store, make_session(ctx.app.contact) as session:
            await _checked(store)
            now_ms = int(time.time() * 1000)
            held = await store.acquire_lease(
                lease, holder, now_ms=now_ms, duration_ms=int(LEASE_S * 1000)
            )
            if held.holder != holder:
                print(
                    f"paris-collector: {held.holder} collects {source.name}: it revisits on its"
                    f" own (every {every}, see docs/completeness.md)",
                    file=sys.stderr,
                )
                return EXIT_FAILED
            try:
                http = HttpClient(
                    session,
                    timeout=ctx.app.http_timeout,
                    retries=ctx.app.http_retries,
                    backoff=ctx.app.http_backoff,
                    max_body_bytes=settings.max_body_bytes,
                )
                now = datetime.now(UTC)
                report = await revisit(store, source, settings, ctx.app, http, now=now)
                await save_attempt(store, source.name, report, now)
            finally:
                with contextlib.suppress(StorageError):  # it expires by itself
                    await store.release_lease(lease, holder)
            window = f"{report.since:%Y-%m-%dT%H:%MZ}..{report.until:%Y-%m-%dT%H:%MZ}"
            if report.failed:
                print(f"paris-collector: revisit stopped: {report.error}", file=sys.stderr)
                print(
                    f"  {report.slices} slices of {window} stored, {report.written} revisions",
                    file=sys.stderr,
                )
                await flush_before_exit(ctx, store, [source])
                return EXIT_FAILED
            print(
                f"revisited {source.name} {window}: {report.slices} slices,"
                f" {report.payloads} payloads, {report.records} records,"
                f" {report.written} written (added or corrected since stored)"
            )
            return await flush_before_exit(ctx, store, [source])

    with _locked(ctx, "revisit"):
        return asyncio.run(main())
