"""``paris-collector backfill``: a publisher's history, slice by slice, resumable.

A source opts in by declaring ``Source.backfill`` (fetch what the publisher holds for one
time slice, in the same payload format its ``parse`` reads) and ``backfill_slice``. Each
slice lands like a live run's payload: raw in bronze first (so the lake and a later
``replay`` see it), then validated into silver, but only the records the hot store's
retention still covers. After each slice the progress is saved (``backfill#<source>`` in
the state store): Ctrl-C, a crash or an exhausted quota, then the same command again,
continues after the last slice stored. The live cursor (the daemon's watermark) is never
touched, so the daemon may run at the same time: silver upserts by key and the lake merges
by key, so a row both fetch is stored once.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from collector import keys
from collector.ingest import (
    Batch,
    ParseFailure,
    build_batch,
    parse_failure_reject,
    write_batch,
)
from collector.lake.cursor import rewind as rewind_lake
from collector.logs import get_logger
from collector.plugin import FetchContext, Source, SourceError, SourceSettings
from collector.secrets import mask_fetched

if TYPE_CHECKING:
    from collector.http import HttpClient
    from collector.settings import Settings
    from collector.storage.base import Store

log = get_logger(component="backfill")

MAX_QUOTA_WAIT_S = 900.0
"""A quota reset further away than this stops the backfill (resume it later) instead of
sleeping through it."""


class BackfillError(Exception):
    """The backfill stopped; what is stored stays, the same command resumes."""


def state_name(source: str) -> str:
    return f"backfill#{source}"


def slices(since: datetime, until: datetime, step: timedelta) -> list[tuple[datetime, datetime]]:
    """``[since, until)`` cut into consecutive slices of ``step`` (the last one shorter)."""
    out = []
    start = since
    while start < until:
        end = min(start + step, until)
        out.append((start, end))
        start = end
    return out


@dataclass
class BackfillReport:
    slices: int = 0
    skipped: int = 0
    """Slices a previous, interrupted backfill of the same range had already stored."""
    payloads: int = 0
    records: int = 0
    written: int = 0
    """Records written to silver (within its retention)."""
    older: int = 0
    """Valid records older than the hot store's retention: in bronze and the lake only."""
    invalid: int = 0
    raw_keys: list[str] = field(default_factory=list)


async def backfill(
    store: Store,
    source: Source,
    settings: SourceSettings,
    app: Settings,
    http: HttpClient,
    *,
    since: datetime,
    until: datetime,
    step: timedelta | None = None,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BackfillReport:
    if source.backfill is None:
        raise BackfillError(f"source {source.name} cannot backfill (it declares no backfill)")
    step = step or source.backfill_slice
    todo = slices(since, until, step)
    report = BackfillReport()
    name = state_name(source.name)
    saved = dict(await store.get_state(name))
    asked = {"since": keys.ts(since), "until": keys.ts(until), "step_s": step.total_seconds()}
    done_until: str | None = None
    if all(saved.get(k) == v for k, v in asked.items()):
        done_until = saved.get("done_until")
    retention = timedelta(days=settings.retention_days)
    for start, end in todo:
        if done_until is not None and keys.ts(end) <= done_until:
            report.skipped += 1
            if progress is not None:
                progress(1)
            continue
        await fetch_slice(store, source, settings, app, http, start, end, retention, report, clock)
        await store.put_state(name, {**asked, "done_until": keys.ts(end), "at": keys.ts(clock())})
        report.slices += 1
        if progress is not None:
            progress(1)
    return report


async def fetch_slice(
    store: Store,
    source: Source,
    settings: SourceSettings,
    app: Settings,
    http: HttpClient,
    start: datetime,
    end: datetime,
    retention: timedelta,
    report: BackfillReport,
    clock: Callable[[], datetime],
) -> Batch | None:
    """One slice into bronze and silver; its batch as written (None: nothing published).
    Shared with :mod:`collector.revisit`, which fetches its trailing window the same way."""
    assert source.backfill is not None
    while True:
        now = clock()
        ctx = FetchContext(http=http, settings=settings, app=app, state={}, now=now, log=log)
        try:
            fetched = mask_fetched(await source.backfill(ctx, start, end))
        except SourceError as exc:
            wait = exc.retry_after
            if exc.status == 429 and wait is not None and wait <= MAX_QUOTA_WAIT_S:
                log.warning(
                    "backfill waits for the quota", seconds=round(wait), slice=keys.ts(start)
                )
                await asyncio.sleep(wait)
                continue
            raise BackfillError(
                f"slice {keys.ts(start)}..{keys.ts(end)}: {exc}"
                + (f" (quota resets in {wait:.0f} s)" if wait else "")
            ) from None
        break
    if fetched is None:
        return None
    key = keys.raw_key(source.name, now)
    meta: dict[str, Any] = {
        **{k: str(v) for k, v in fetched.meta.items()},
        "source": source.name,
        "fetched_at": now.isoformat(),
        "sha256": hashlib.sha256(fetched.payload).hexdigest(),
        "bytes": str(len(fetched.payload)),
        "backfill": f"{keys.ts(start)}/{keys.ts(end)}",
    }
    await store.put_raw(key, gzip.compress(fetched.payload, 6), meta)
    await rewind_lake(store, source.name, key)
    report.payloads += 1
    report.raw_keys.append(key)
    try:
        batch = await asyncio.to_thread(build_batch, source, fetched.payload, key, now)
    except ParseFailure as exc:
        await store.put_rejects([parse_failure_reject(source.name, key, str(exc), now)])
        raise BackfillError(f"slice {keys.ts(start)}..{keys.ts(end)}: {exc}") from None
    valid = batch.valid
    cutoff = keys.ts(now - retention)
    for dataset, rows in list(batch.rows.items()):
        kept = [row for row in rows if row.observed_at >= cutoff]
        report.older += len(rows) - len(kept)
        batch.rows[dataset] = kept
    report.records += batch.records
    report.invalid += len(batch.rejects)
    report.written += await write_batch(store, batch, settings.retention_days, now)
    if fetched.expect_records and valid == 0:
        raise BackfillError(
            f"slice {keys.ts(start)}..{keys.ts(end)}: the upstream announced records and none "
            f"was valid (raw payload {key})"
        )
    return batch
