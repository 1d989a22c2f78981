"""One run of a source: fetch -> bronze -> parse -> silver -> state, and one log line.

The raw payload is stored before it is parsed, so a parser bug costs a replay, never data.
The plugin's state (e.g. a watermark) is saved only after silver acknowledged the write.
Failures are logged the way Home Assistant's update coordinator does it: one error on the
transition to failing, one info on recovery, no traceback for an expected failure.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from collector import keys, memory
from collector.breaker import Breaker
from collector.http import HttpClient
from collector.ingest import Batch, ParseFailure, ingest, parse_failure_reject
from collector.ledger.record import record as record_ledger
from collector.logs import get_logger
from collector.metrics import Metrics
from collector.plugin import (
    FetchContext,
    Fetched,
    Source,
    SourceError,
    SourceSettings,
    dataset_name,
)
from collector.secrets import mask_fetched
from collector.settings import Settings
from collector.snapshot import write_snapshots
from collector.snapshot_views import Views
from collector.source_state import SourceState
from collector.spool import Spool, SpoolFull
from collector.storage.base import Row, StorageError, Store

Status = Literal[
    "ok",
    "empty",
    "missing",
    "unchanged",
    "skipped",
    "spooled",
    "failed",
    "timeout",
    "parse_error",
    "storage_error",
    "error",
]
FAILED: frozenset[str] = frozenset(
    {"failed", "missing", "timeout", "parse_error", "storage_error", "spooled", "error"}
)
# A run that stored nothing is ``missing`` when the upstream had announced data (a failure:
# the cursor stays) and ``empty`` when it had not (not a failure, but counted and shown).
UPSTREAM_FAILED: frozenset[str] = frozenset({"failed", "timeout"})
# Unchanged runs rewrite the snapshots too: another writer (replay, dlq replay, the spool) may
# have moved the latest view since, and readers trust a snapshot only while it is refreshed.
SNAPSHOT_AFTER: frozenset[str] = frozenset({"ok", "empty", "unchanged"})
SNAPSHOT_REFRESH = timedelta(minutes=2)


@dataclass
class RunResult:
    source: str
    status: Status
    started_at: datetime
    duration_s: float = 0.0
    records: int = 0
    valid: int = 0
    invalid: int = 0
    written: int = 0
    """Rows written to silver: new or changed records (identical re-polls are skipped)."""
    unchanged: int = 0
    """Valid records identical to what silver held under their key: not written again."""
    unchanged_by_dataset: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    requests: int = 0
    raw_key: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED


def default_deadline(interval: timedelta) -> float:
    """A run may take most of its interval, within [30 s, 15 min]."""
    return min(max(interval.total_seconds() * 0.8, 30.0), 900.0)


class SourceRunner:
    """Runs one source; never raises for anything the source or storage does."""

    def __init__(
        self,
        source: Source,
        settings: SourceSettings,
        app: Settings,
        store: Store,
        http: HttpClient,
        *,
        spool: Spool | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.source = source
        self.settings = settings
        self.app = app
        self.store = store
        self.http = http
        self.spool = spool
        self.metrics = metrics
        self.interval = timedelta(seconds=settings.interval or source.interval.total_seconds())
        self.deadline = settings.deadline or default_deadline(self.interval)
        self.breaker = Breaker(threshold=app.breaker_threshold, cooldown=app.breaker_cooldown)
        self.lock = asyncio.Lock()
        self._snapshot_at: float | None = None  # monotonic time of the last snapshot write
        self._views = Views(
            source.datasets(),
            {dataset_name(source.name, m): m.latest_ttl for m in source.records},
            max_gap=2 * self.interval,
        )
        self._written: dict[str, list[Row]] | None = None  # the rows of this run, once stored
        self.log = get_logger(source=source.name)
        # The last state known to be saved, or spooled: lets the source go on fetching from
        # the right cursor while storage is down.
        self.known_state: SourceState | None = None

    async def run(self, now: datetime | None = None) -> RunResult:
        moment = now or datetime.now(UTC)
        if self.lock.locked():
            self.log.info("run skipped", reason="the previous run is still going")
            return RunResult(self.source.name, "skipped", moment)
        if not self.breaker.allow(time.monotonic()):
            self.log.debug("run skipped", reason="circuit breaker open")
            return RunResult(self.source.name, "skipped", moment, error="circuit breaker open")
        async with self.lock:
            return await self._run(moment)

    async def _run(self, now: datetime) -> RunResult:
        clock = time.monotonic()
        result = RunResult(self.source.name, "ok", now)
        self._written = None
        http = self.http.for_run(max_body_bytes=self.settings.max_body_bytes)
        self._written_batch: Batch | None = None
        state = self.known_state.copy() if self.known_state else SourceState()
        try:
            try:
                stored = SourceState.from_stored(await self.store.get_state(self.source.name))
                state = self._with_known(stored)
            except StorageError as exc:
                self.log.debug("state unreadable, using the last known", error=str(exc))
            async with asyncio.timeout(self.deadline):
                await self._fetch_and_store(now, http, state, result)
        except SourceError as exc:
            result.status, result.error, result.retry_after = "failed", str(exc), exc.retry_after
        except TimeoutError:
            result.status = "timeout"
            result.error = f"run cancelled at its deadline of {self.deadline:g} s"
        except ParseFailure as exc:
            result.status, result.error = "parse_error", str(exc)
        except StorageError as exc:
            result.status, result.error = "storage_error", str(exc)
        except Exception as exc:  # a bug in a plugin or the core: keep the traceback
            result.status, result.error = "error", f"{type(exc).__name__}: {exc}"
            self.log.error("run crashed", exc_info=True)
        result.duration_s = round(time.monotonic() - clock, 3)
        result.requests, result.bytes = http.stats.requests, http.stats.bytes
        if self._written_batch is not None:
            # After the deadline's scope: the rows are in silver, a slow ledger write must not
            # turn the run into a timeout. It never raises; ``state`` carries its start.
            await record_ledger(
                self.store,
                self.source,
                self.settings,
                self._written_batch,
                fetched_at=now,
                now=now,
                raw_key=result.raw_key,
                state=state,
            )
        previous_failures = state.failures
        previous_status = state.last_status or ""
        self._update_breaker(result)
        await self._save_bookkeeping(state, result)
        self._log(previous_failures, previous_status, result)
        self._record_metrics(result, state)
        if self._snapshot_due(result):
            await self._write_snapshots(result)
        elif result.failed:
            self._views.invalidate()
        if result.records >= memory.BIG_RUN_RECORDS:
            await asyncio.to_thread(memory.after_run, result.records)
        return result

    def _snapshot_due(self, result: RunResult) -> bool:
        """After a run that wrote, always; after a quiet one, once in a while.

        A quiet run (nothing new, or all unchanged) rewrites the snapshot at most every
        :data:`SNAPSHOT_REFRESH` or interval, whichever is longer: often enough to stay
        inside the readers' trust window (3 intervals, at least 10 minutes) and to pick up
        what ``replay`` or ``dlq replay`` wrote, without reading the latest view on every
        tick of a fast source.
        """
        if result.status not in SNAPSHOT_AFTER:
            return False
        now = time.monotonic()
        quiet = result.written == 0
        every = max(SNAPSHOT_REFRESH.total_seconds(), self.interval.total_seconds())
        if quiet and self._snapshot_at is not None and now - self._snapshot_at < every:
            return False
        self._snapshot_at = now
        return True

    async def _fetch_and_store(
        self, now: datetime, http: HttpClient, state: SourceState, result: RunResult
    ) -> None:
        ctx = FetchContext(
            http=http,
            settings=self.settings,
            app=self.app,
            state=state.cursor,
            now=now,
            log=self.log,
        )
        # Masked before it is hashed, spooled or stored: upstreams echo credentials.
        fetched = mask_fetched(await self.source.fetch(ctx))
        if fetched is None:
            if self.spool is not None and self.spool.count(self.source.name):
                # Nothing new, but the last payloads are not stored yet: not a recovery.
                result.status, result.error = "spooled", "earlier payloads wait in the spool"
            else:
                result.status = "unchanged"
            return
        key = keys.raw_key(self.source.name, now)
        meta = {
            **{k: str(v) for k, v in fetched.meta.items()},
            "source": self.source.name,
            "fetched_at": now.isoformat(),
            "sha256": hashlib.sha256(fetched.payload).hexdigest(),
            "bytes": str(len(fetched.payload)),
        }
        result.raw_key = key
        plugin_state = {**state.cursor, **fetched.state}
        # Earlier payloads of this source still wait in the spool: keep their order.
        if self.spool is not None and self.spool.count(self.source.name):
            self._to_spool(key, fetched, meta, plugin_state, now, state, result, None)
            return
        try:
            await self.store.put_raw(key, gzip.compress(fetched.payload, 6), meta)
            batch = await ingest(
                self.store,
                self.source,
                fetched.payload,
                key,
                retention_days=self.settings.retention_days,
                now=now,
            )
        except ParseFailure as exc:
            await self.store.put_rejects(
                [parse_failure_reject(self.source.name, key, str(exc), now)]
            )
            raise
        except StorageError as exc:
            if self.spool is None:
                raise
            self._to_spool(key, fetched, meta, plugin_state, now, state, result, exc)
            return
        result.records, result.valid, result.invalid = (
            batch.records,
            batch.valid,
            len(batch.rejects),
        )
        result.written = batch.written_total
        result.unchanged = batch.unchanged_total
        result.unchanged_by_dataset = dict(batch.unchanged)
        self._written_batch = batch  # counted into the completeness ledger after the run
        self._notify(batch.notices, state)
        if batch.valid == 0:
            if fetched.expect_records:
                # The upstream said there is data and none landed: the cursor must not move
                # past it. A failed run, retried on the next tick; the payload is in bronze.
                result.status = "missing"
                result.error = (
                    "the upstream announced data but the payload held no valid record "
                    f"({len(batch.rejects)} set aside)"
                )
                return
            result.status = "empty"
        self._written = batch.rows
        # Only now that silver holds the rows may the plugin's cursor move.
        state.plugin = plugin_state
        state.observe(batch.freshness, keys.ts(now))

    async def _write_snapshots(self, result: RunResult) -> None:
        """Store each dataset's latest snapshot (:mod:`collector.snapshot`) after a good run:
        after one that wrote, from the views read last with its rows put over them
        (:mod:`collector.snapshot_views`); else from the latest views read again.

        The records are in silver already: a snapshot that cannot be written fails nothing,
        readers fall back to the latest view until the next run writes one.
        """
        now, clock = datetime.now(UTC), time.monotonic()
        written_rows, self._written = self._written, None
        incremental = result.written > 0 and written_rows is not None
        views: dict[str, list[Any]] = {}
        if incremental and self._views.usable(clock):
            assert written_rows is not None
            views = self._views.merged(written_rows, now, clock)
        else:
            incremental = False
        try:
            written = await write_snapshots(
                self.store, self.source, interval=self.interval, now=now, views=views
            )
        except StorageError as exc:
            self._views.invalidate()
            self.log.warning("snapshot not written", error=str(exc))
        except Exception:  # a bug there must not cost the run its bookkeeping
            self._views.invalidate()
            self.log.error("snapshot crashed", exc_info=True)
        else:
            if not incremental:
                self._views.remember(views, clock)
            self.log.debug("snapshots written", bytes=written, incremental=incremental)

    def _with_known(self, stored: SourceState) -> SourceState:
        """The stored state, or this process's newer one when storage could not take it.

        During a storage outage the bookkeeping (the failing streak, the cursor of spooled
        payloads) is saved nowhere but here: without it the first run after the outage would
        not log its recovery, and a still readable but unwritable store would hand back a
        stale cursor, making the source fetch the same data again. What the spool replay
        raised in storage (records written, data freshness) is kept.
        """
        known = self.known_state
        if known is None or (known.last_run_at or "") <= (stored.last_run_at or ""):
            return stored
        merged = SourceState.from_stored({**stored.to_stored(), **known.to_stored()})
        merged.records_total = max(stored.total, known.total)
        freshness = max(stored.data_freshness or "", known.data_freshness or "")
        if freshness:
            merged.data_freshness = freshness
        return merged

    def _to_spool(
        self,
        key: str,
        fetched: Fetched,
        meta: dict[str, str],
        plugin_state: dict[str, str],
        now: datetime,
        state: SourceState,
        result: RunResult,
        cause: StorageError | None,
    ) -> None:
        assert self.spool is not None
        try:
            self.spool.put(
                self.source.name,
                key,
                fetched.payload,
                meta,
                plugin_state,
                now.isoformat(),
                before=dict(state.cursor),
                expect_records=fetched.expect_records,
            )
        except (SpoolFull, OSError) as exc:  # full by its cap, or the disk itself is full
            if self.metrics is not None:
                self.metrics.spool_drops.inc()
            raise StorageError(f"{cause or 'storage busy'}; payload dropped: {exc}") from None
        result.status = "spooled"
        result.error = str(cause) if cause else "earlier payloads wait in the spool"
        # The cursor moves in memory so the next fetch does not download this again;
        # the stored cursor moves when the spool is replayed.
        state.plugin = plugin_state

    def _notify(self, notices: dict[str, str], state: SourceState) -> None:
        """Log each distinct notice (e.g. new upstream fields) once, ever."""
        for key in state.remember(notices):
            self.log.warning("upstream notice", notice=key, message=notices[key])

    def _update_breaker(self, result: RunResult) -> None:
        now = time.monotonic()
        if result.status in UPSTREAM_FAILED:
            before = self.breaker.failure(now, result.retry_after)
            if before != "open" and self.breaker.state == "open":
                self.log.warning(
                    "circuit breaker open",
                    failures=self.breaker.failures,
                    retry_in_s=round(self.breaker.open_until - now, 1),
                )
        elif result.status in ("ok", "empty", "unchanged") and self.breaker.success() != "closed":
            self.log.info("circuit breaker closed")

    def _record_metrics(self, result: RunResult, state: SourceState) -> None:
        m = self.metrics
        if m is None:
            return
        name = self.source.name
        m.runs.labels(name, result.status).inc()
        m.duration.labels(name).observe(result.duration_s)
        for stage, value in (
            ("in", result.records),
            ("valid", result.valid),
            ("invalid", result.invalid),
            ("written", result.written),
        ):
            m.records.labels(name, stage).inc(value)
        m.bytes.labels(name).inc(result.bytes)
        m.count_unchanged(name, result.unchanged_by_dataset)
        if result.status in ("ok", "empty", "unchanged"):
            m.last_success.labels(name).set(result.started_at.timestamp())
        m.set_breaker(name, self.breaker.state)
        m.set_freshness(name, state.data_freshness)

    async def _save_bookkeeping(self, state: SourceState, result: RunResult) -> None:
        at = keys.ts(result.started_at)
        state.last_run_at = at
        state.last_status = result.status
        state.last_duration_s = result.duration_s
        state.breaker = self.breaker.state
        if result.failed:
            state.last_error = result.error
            state.last_error_at = at
            state.consecutive_failures = state.failures + 1
        else:
            state.last_success_at = at
            state.consecutive_failures = 0
            # Records in silver after the run: written, or already there unchanged.
            state.records_last_run = result.written + result.unchanged
            state.records_total = state.total + result.written + result.unchanged
            if result.raw_key:
                state.last_raw_key = result.raw_key
        # Safe even for a spooled run: the payload is durable in the spool by now.
        self.known_state = state.copy()
        try:
            await self.store.put_state(self.source.name, state.to_stored())
        except StorageError as exc:
            level = (
                self.log.debug
                if result.status in ("spooled", "storage_error")
                else self.log.warning
            )
            level("state not saved", error=str(exc))

    def _log(self, previous_failures: int, previous_status: str, result: RunResult) -> None:
        fields: dict[str, Any] = {
            "status": result.status,
            "records": result.records,
            "valid": result.valid,
            "invalid": result.invalid,
            "written": result.written,
            "unchanged": result.unchanged,
            "bytes": result.bytes,
            "requests": result.requests,
            "duration_s": result.duration_s,
            "raw_key": result.raw_key,
        }
        if result.failed:
            fields["error"] = result.error
            if previous_failures == 0:
                self.log.error("source failing", **fields)
            else:
                failures = previous_failures + 1
                self.log.info("source still failing", consecutive_failures=failures, **fields)
        elif previous_failures:
            self.log.info("source recovered", after_failures=previous_failures, **fields)
        elif result.status == "empty" and previous_status != "empty":
            # Said once when it starts (a night of empty boards is one warning, not hundreds).
            self.log.warning("run stored no record", **fields)
        else:
            self.log.info("run", **fields)
