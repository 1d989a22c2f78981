"""Operator commands: ``status`` (a person's view of health) and ``dlq`` (records set aside)."""

from __future__ import annotations

import argparse
import asyncio
import gzip
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from collector import keys
from collector.ingest import ParseFailure, ingest
from collector.ledger.record import record as record_ledger
from collector.secrets import mask_text, mask_value
from collector.source_state import SourceState
from collector.spool import Spool
from collector.status_freshness import Shares, complete_shares, objective_docs, objective_lines
from collector.status_leases import lease_docs, lease_lines, lock_doc, lock_line
from collector.storage import make_store

if TYPE_CHECKING:
    from collector.cli import Context


def _age(timestamp: str | None, now: datetime) -> str:
    if not timestamp:
        return "never"
    try:
        seconds = int((now - keys.parse_ts(timestamp)).total_seconds())
    except (TypeError, ValueError, OverflowError):
        return "unreadable"
    if seconds < 0:
        return "in future"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def status_rows(ctx: Context, states: dict[str, dict[str, Any]], now: datetime) -> list[str]:
    lines = [
        f"{'source':<12} {'state':<9} {'last run':<13} {'status':<13} {'last success':<13}"
        f" {'fails':>5} {'records':>9} {'data age':<10} breaker"
    ]
    for name in sorted(ctx.registry.sources):
        st = SourceState.from_stored(states.get(name))
        # What the daemon runs, from its own record; these settings only before it ever ran
        # (the shell running `status` may lack the daemon's token or switches).
        reason = st.disabled_reason if st.enabled is not None else ctx.plugins.disabled.get(name)
        on = st.enabled if st.enabled is not None else name not in ctx.plugins.disabled
        enabled = "enabled" if on else "disabled"
        lines.append(
            f"{name:<12} {enabled:<9} {_age(st.last_run_at, now):<13}"
            f" {st.last_status or '-':<13} {_age(st.last_success_at, now):<13}"
            f" {st.failures:>5} {st.total:>9}"
            f" {_age(st.data_freshness, now):<10} {st.breaker or 'closed'}"
        )
        if st.last_error and st.last_status != "ok":
            lines.append(f"{'':<12} last error: {st.last_error}")
        if not on and reason:
            lines.append(f"{'':<12} {reason}")
    return lines


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli import storage_error

    now = datetime.now(UTC)
    leases: list[Any] = []
    sources = {
        name: (found.plugin, ctx.plugins.sources[name])
        for name, found in sorted(ctx.registry.sources.items())
    }
    shares: dict[str, Shares] = {}

    async def states() -> dict[str, dict[str, Any]]:
        nonlocal now
        async with make_store(ctx.app) as store:
            await store.check()
            leases.extend(await store.list_leases())
            # Expiry is judged at the moment the leases were read, not when status started
            # (checking the store first can take seconds): a lease is never shown longer.
            now = datetime.now(UTC)
            saved = {name: await store.get_state(name) for name in ctx.registry.sources}
            shares.update(await complete_shares(store, sources, now))
            return saved

    from collector.storage.base import StorageError, StoreMissing

    try:
        found = asyncio.run(states())
        storage_line = f"storage: {ctx.app.storage}, reachable"
    except StorageError as exc:
        # Unreachable, the text still shows the local spool and lock; a store that was never
        # made has nothing to show, and "never run" rows would mislead.
        if args.json or isinstance(exc, StoreMissing):
            raise storage_error(exc) from None
        found, storage_line = {}, f"storage: {ctx.app.storage}, UNREACHABLE: {exc}"
    spool = Spool(ctx.app.spool_dir, ctx.app.spool_max_bytes, writer=False)
    quarantined = spool.quarantine_count()
    if args.json:
        doc = {
            "storage": ctx.app.storage,
            "sources": found,
            "spool": {
                "entries": spool.count(),
                "bytes": spool.size(),
                "quarantined": quarantined,
            },
            "objectives": objective_docs(sources, found, shares, now),
            "leases": lease_docs(leases, int(now.timestamp() * 1000)),
            "writer_lock": lock_doc(ctx.app.data_dir),
        }
        print(orjson.dumps(mask_value(doc), option=orjson.OPT_INDENT_2).decode())
        return _exit_code(found)
    print(mask_text(storage_line))
    print(
        f"spool: {spool.count()} payloads waiting, {spool.size()} bytes"
        f" (cap {ctx.app.spool_max_bytes})"
        + (f", {quarantined} unreadable in {spool.quarantine_dir}" if quarantined else "")
    )
    for line in status_rows(ctx, found, now):
        print(mask_text(line))  # state saved before masking existed, errors
    for line in objective_lines(sources, found, shares, now):
        print(line)
    print(lock_line(ctx.app.data_dir))
    for line in lease_lines(leases, int(now.timestamp() * 1000)):
        print(line)
    return _exit_code(found)


def _exit_code(states: dict[str, dict[str, Any]]) -> int:
    """1 when a source is failing, for the text and the JSON form alike (as documented)."""
    failing = [n for n, s in states.items() if SourceState.from_stored(s).failures]
    return 1 if failing else 0


def cmd_dlq(ctx: Context, args: argparse.Namespace) -> int:
    from collector.cli import _checked

    async def main() -> int:
        async with make_store(ctx.app) as store:
            await _checked(store)  # a missing table is named, not a failed query
            rejects = await store.list_rejects(args.source)
            if args.action == "list":
                for r in rejects:
                    data = orjson.dumps(r.data).decode()
                    print(f"{r.at}  {r.source:<12} {r.raw_key}#{r.index}  {r.reason}  {data[:200]}")
                print(f"{len(rejects)} records set aside")
                return 0
            return await _replay(ctx, store, rejects)

    return asyncio.run(main())


async def _replay(ctx: Context, store: Any, rejects: list[Any]) -> int:
    """Parse each payload that has records set aside again (after a fix) and re-file them."""
    by_key: dict[str, list[Any]] = {}
    for r in rejects:
        by_key.setdefault(r.raw_key, []).append(r)
    recovered = still = failed = 0
    for raw_key, items in sorted(by_key.items()):
        source = ctx.registry.source(items[0].source)
        raw = await store.get_raw(raw_key)
        await store.delete_rejects(items)
        try:
            batch = await ingest(
                store,
                source,
                gzip.decompress(raw.body),
                raw_key,
                retention_days=ctx.plugins.sources[source.name].retention_days,
            )
        except ParseFailure as exc:
            await store.put_rejects(items)
            failed += 1
            print(f"{raw_key}: still unreadable: {exc}")
            continue
        # Recovered records land in the slot the payload was fetched in.
        await record_ledger(
            store,
            source,
            ctx.plugins.sources[source.name],
            batch,
            fetched_at=keys.raw_key_time(raw_key),
            now=datetime.now(UTC),
            raw_key=raw_key,
        )
        still += len(batch.rejects)
        recovered += max(0, len(items) - len(batch.rejects))
    print(
        f"replayed {len(by_key)} payloads: {recovered} records recovered,"
        f" {still} still set aside, {failed} payloads unreadable"
    )
    return 1 if failed else 0
