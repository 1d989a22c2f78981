"""The daemon: every enabled source on its own interval, concurrently, until told to stop.

Life cycle (as arq does it): :func:`run` (sync entry) -> :meth:`Daemon.main` (the loop) ->
cleanup in ``finally``. The first SIGTERM/SIGINT/SIGHUP stops new runs and drains in-flight
ones up to ``PARIS_DRAIN_TIMEOUT`` seconds, then cancels what is left; a second signal cancels
at once. The summary line counts runs done, failed and cancelled.

SIGHUP is a stop, not a reload: settings are read once at start and a changed setting needs a
restart (``systemctl restart``). Its default action would kill the process without a drain,
e.g. when the terminal it was started from closes.

Every trigger carries its timezone: without one APScheduler asks ``tzlocal`` for the host's,
which raises on a POSIX ``TZ`` such as ``UTC0``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from collector.aggregate import AggregationResult, AggregationRunner
from collector.freshness_gauges import REFRESH_EVERY, refresh_complete_shares, set_objectives
from collector.health import Health
from collector.health import start as start_health
from collector.http import HttpClient, make_session
from collector.lake.service import Lake
from collector.lease import AGGREGATIONS, LAKE, REPORT, LeaseKeeper, lease_source, source_lease
from collector.logs import get_logger
from collector.metrics import Metrics
from collector.plugin import Aggregation, Source
from collector.plugin_settings import PluginSettings
from collector.recovery import drain
from collector.registry import Registry
from collector.revisit import CHECK_EVERY, revisit_when_due
from collector.runner import RunResult, SourceRunner
from collector.sdnotify import Notifier
from collector.settings import Settings
from collector.source_state import SourceState
from collector.spool import Spool
from collector.storage import StorageError, Store, make_store

log = get_logger(component="daemon")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PARIS = ZoneInfo("Europe/Paris")


class Services:
    """What the daemon holds for its whole life: storage, the HTTP pool, the spool, metrics,
    and one runner per source and per aggregation."""

    def __init__(self, app: Settings, registry: Registry, plugins: PluginSettings) -> None:
        self.app = app
        self.registry = registry
        self.plugins = plugins
        self.store: Store = make_store(app)
        self.spool = Spool(app.spool_dir, app.spool_max_bytes)
        self.metrics = Metrics()
        self.spool.on_quarantine = self.metrics.spool_quarantined.inc
        self.runners: dict[str, SourceRunner] = {}
        self.aggregators: dict[str, AggregationRunner] = {}
        self.lake = Lake(app, self.store) if app.lake.enabled else None
        self.store_open = False
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Services:
        await self._stack.__aenter__()
        session = await self._stack.enter_async_context(make_session(self.app.contact))
        http = HttpClient(
            session,
            timeout=self.app.http_timeout,
            retries=self.app.http_retries,
            backoff=self.app.http_backoff,
        )
        self._stack.push_async_callback(self._close_store)
        with contextlib.suppress(StorageError):  # retried by ensure_storage()
            await self.open_store()
        for name in self.plugins.enabled_sources():
            self.runners[name] = SourceRunner(
                self.registry.source(name),
                self.plugins.sources[name],
                self.app,
                self.store,
                http,
                spool=self.spool,
                metrics=self.metrics,
            )
        for name in self.plugins.enabled_aggregations():
            self.aggregators[name] = AggregationRunner(
                self.registry.aggregation(name), self.plugins.aggregations[name], self.store
            )
        set_objectives(self.metrics, ((r.source, r.settings) for r in self.runners.values()))
        return self

    async def open_store(self) -> None:
        if not self.store_open:
            await self.store.open()
            self.store_open = True

    async def _close_store(self) -> None:
        if self.store_open:
            await self.store.close()
            self.store_open = False

    async def check_storage(self) -> None:
        await self.open_store()
        await self.store.check()

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.__aexit__(None, None, None)


async def wait_for_storage(
    services: Services, stop: asyncio.Event, *, max_wait: float = 60.0
) -> bool:
    """Retry the storage check with backoff until it answers or ``stop`` is set."""
    delay = 1.0
    failing = False
    while not stop.is_set():
        try:
            await services.check_storage()
        except StorageError as exc:
            if not failing:
                log.error("storage unreachable, waiting for it", error=str(exc))
                failing = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, max_wait)
            continue
        if failing:
            log.info("storage reachable again")
        return True
    return False


class Daemon:
    def __init__(self, services: Services, notifier: Notifier | None = None) -> None:
        self.services = services
        self.notifier = notifier or Notifier()
        app = services.app
        # The heartbeat job runs every few seconds; a stalled loop misses it.
        self.beat_every = min(5.0, (self.notifier.watchdog_interval or 15.0) / 3)
        self.health = Health(services.metrics, stale_after=max(30.0, self.beat_every * 6))
        self.health.sources = self._source_health
        self.health_port = app.health_port
        self.stop_event = asyncio.Event()
        self.inflight: set[asyncio.Task[Any]] = set()
        self.outcomes: Counter[str] = Counter()
        self._signals = 0
        wanted = [source_lease(name) for name in services.runners]
        if services.aggregators:
            wanted += [AGGREGATIONS, REPORT]
        if services.lake is not None:
            wanted.append(LAKE)
        self.leases = LeaseKeeper(services.store, app.daemon_id, app.lease_duration, wanted)
        self._runs: dict[str, asyncio.Task[Any]] = {}  # source -> its run in flight
        self._lease_task: asyncio.Task[None] | None = None
        self._leases_done = asyncio.Event()
        self._takeovers: set[asyncio.Task[None]] = set()
        self._revisits: dict[str, asyncio.Task[Any]] = {}  # source -> its revisit in flight

    def request_stop(self, signame: str = "stop") -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("stopping: no new runs, draining", signal=signame, inflight=len(self.inflight))
            self.notifier.stopping()
            self.stop_event.set()
        else:
            log.warning("second signal: cancelling in-flight runs", signal=signame)
            for task in self.inflight:
                task.cancel()

    def _source_health(self) -> dict[str, Any]:
        return {
            name: {"breaker": runner.breaker.state}
            for name, runner in sorted(self.services.runners.items())
        }

    async def _track(
        self, coro: Coroutine[Any, Any, RunResult | AggregationResult], source: str | None = None
    ) -> None:
        """Run one job as a task the drain can wait for; count its outcome."""
        task = asyncio.ensure_future(coro)
        self.inflight.add(task)
        if source is not None:
            self._runs[source] = task
        try:
            result = await asyncio.shield(task)
            self.outcomes["failed" if result.failed else "done"] += 1
            if isinstance(result, RunResult):
                self.health.storage_ok = result.status not in ("storage_error", "spooled")
        except asyncio.CancelledError:
            self.outcomes["cancelled"] += 1
        finally:
            self.inflight.discard(task)
            if source is not None and self._runs.get(source) is task:
                del self._runs[source]

    async def _tick(self, name: str) -> None:
        if self.stop_event.is_set() or not await self.leases.hold(source_lease(name)):
            return  # another daemon runs this source
        if self.services.spool.count(name):
            # Earlier payloads of this source go first, as soon as storage answers again
            # (as ``once`` does), rather than at the next spool job.
            await self._drain_spool()
        revisiting = self._revisits.get(name)
        if revisiting is not None:  # the run waits for it rather than being skipped
            await asyncio.wait({revisiting})
        await self._track(self.services.runners[name].run(), source=name)

    async def _revisit(self, name: str) -> None:
        """Fetch the source's trailing window again when due (:mod:`collector.revisit`):
        under its lease and lock; a failure is logged and saved, never raised."""
        lease = source_lease(name)
        if self.stop_event.is_set() or not await self.leases.hold(lease):
            return
        task = asyncio.ensure_future(
            revisit_when_due(self.services.runners[name], holds=lambda: self.leases.holds(lease))
        )
        self.inflight.add(task)
        self._revisits[name] = task
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            self.outcomes["cancelled"] += 1
        finally:
            self.inflight.discard(task)
            del self._revisits[name]

    async def _aggregate(self, name: str) -> None:
        if not self.stop_event.is_set() and await self.leases.hold(AGGREGATIONS):
            result_job = self.services.aggregators[name].run()
            await self._track(result_job)

    async def _heartbeat(self) -> None:
        # Fed by the scheduler itself: if jobs stop being processed, the watchdog starves.
        self.health.beat()
        self.notifier.watchdog()
        spool = self.services.spool
        self.services.metrics.spool_bytes.set(spool.size())
        self.services.metrics.spool_entries.set(spool.count())

    async def _drain_spool(self) -> None:
        if self.stop_event.is_set() or not self.services.spool.count():
            return
        try:
            await self.services.check_storage()
        except StorageError:
            self.health.storage_ok = False
            return
        done, waiting = await drain(
            self.services.spool, self.services.store, self.services.registry, self.services.plugins
        )
        self.health.storage_ok = waiting == 0
        if done:
            log.info("spool replayed", payloads=done, waiting=waiting)

    async def _refresh_complete_shares(self) -> None:
        """The ledger's complete shares for the gauges, of the sources this daemon runs now."""
        if self.stop_event.is_set():
            return
        mine = [
            (runner.source, runner.settings)
            for name, runner in sorted(self.services.runners.items())
            if self.leases.holds(source_lease(name))
        ]
        await refresh_complete_shares(
            self.services.store, self.services.metrics, mine, now=datetime.now(UTC)
        )

    async def _record_switches(self) -> None:
        """Save which sources this daemon runs, and why not, for the readers (``/sources``)."""
        disabled = self.services.plugins.disabled
        busy = await self._held_elsewhere()
        for name in sorted(self.services.registry.sources):
            if source_lease(name) in busy:
                continue  # its holder saves that state; a write here could undo its cursor
            try:
                state = SourceState.from_stored(await self.services.store.get_state(name))
                state.enabled = name in self.services.runners
                state.disabled_reason = disabled.get(name)
                await self.services.store.put_state(name, state.to_stored())
            except StorageError as exc:
                log.warning("source switches not saved", source=name, error=str(exc))
                return

    async def _purge(self) -> None:
        """Retention for backends without a native TTL (the local one)."""
        try:
            removed = await self.services.store.purge_expired(int(datetime.now(UTC).timestamp()))
        except StorageError as exc:
            log.warning("retention purge failed", error=str(exc))
            return
        if removed:
            log.info("retention purge", removed=removed)

    async def _daily_report(self) -> None:
        from collector.report import write_report, yesterday_in_paris

        day = yesterday_in_paris(datetime.now(UTC))
        if not await self.leases.hold(REPORT):
            log.info("daily report left to the daemon holding its lease", date=day.isoformat())
            return
        try:
            written = await write_report(self.services.store, self.services.aggregators, day)
        except StorageError as exc:
            log.error("daily report failed", date=day.isoformat(), error=str(exc))
            return
        log.info(
            "daily report",
            date=day.isoformat(),
            analytics=len(written),
            points=sum(w.points for w in written),
        )

    def _lake_inputs(self) -> tuple[list[Source], list[Aggregation]]:
        """Every source's bronze (a disabled one may still have payloads), enabled analytics."""
        registry = self.services.registry
        sources = [found.plugin for _, found in sorted(registry.sources.items())]
        runners = sorted(self.services.aggregators.items())
        return sources, [runner.aggregation for _, runner in runners]

    async def _flush_lake(self) -> None:
        lake = self.services.lake
        if lake is None or self.stop_event.is_set() or not await self.leases.hold(LAKE):
            return
        sources, aggregations = self._lake_inputs()
        # A run may still be writing bronze until its deadline: leave its keys for next time.
        settle = {name: r.deadline + 60.0 for name, r in self.services.runners.items()}
        task = asyncio.ensure_future(lake.flush(sources, aggregations, settle=settle))
        self.inflight.add(task)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            self.outcomes["cancelled"] += 1
        finally:
            self.inflight.discard(task)

    async def _maintain_lake(self) -> None:
        lake = self.services.lake
        if lake is None or self.stop_event.is_set() or not await self.leases.hold(LAKE):
            return
        sources, aggregations = self._lake_inputs()
        try:
            done = await asyncio.to_thread(lake.maintain, sources, aggregations)
        except Exception as exc:
            log.error("lake maintenance failed", error=f"{type(exc).__name__}: {exc}")
            return
        log.info(
            "lake maintenance",
            tables=len(done),
            compacted_days=sum(r.compacted_days for r in done.values()),
            expired_snapshots=sum(r.expired_snapshots for r in done.values()),
            deleted_files=sum(r.deleted_files for r in done.values()),
        )

    def _schedule(self, scheduler: AsyncIOScheduler) -> None:
        jitter = self.services.app.jitter
        now = datetime.now(UTC)
        for name, runner in self.services.runners.items():
            seconds = runner.interval.total_seconds()
            # Start each source soon, spread a little so they do not all hit at once.
            first = now + timedelta(seconds=random.uniform(0, min(2.0, seconds * jitter)))
            self._add(
                scheduler,
                self._tick,
                seconds,
                f"source:{name}",
                first,
                [name],
                jitter=seconds * jitter or None,
            )
        for name, runner in self.services.runners.items():
            if runner.source.revisit is not None and runner.source.backfill is not None:
                # A state read each time; the revisit itself runs once per `every`.
                first = now + timedelta(seconds=60)
                every = CHECK_EVERY.total_seconds()
                self._add(scheduler, self._revisit, every, f"revisit:{name}", first, [name])
        for name, agg in self.services.aggregators.items():
            seconds = agg.interval.total_seconds()
            # The first run waits for the sources' first runs to land.
            first = now + timedelta(seconds=min(30.0, seconds))
            self._add(scheduler, self._aggregate, seconds, f"aggregation:{name}", first, [name])
        self._add(scheduler, self._heartbeat, self.beat_every, "heartbeat", now, [])
        self._add(scheduler, self._drain_spool, 15.0, "spool", now + timedelta(seconds=1), [])
        self._add(scheduler, self._purge, 6 * 3600.0, "purge", now + timedelta(minutes=5), [])
        # Off the runs' path: its own job, a little after the first runs have landed.
        first_share = now + timedelta(seconds=min(10.0, REFRESH_EVERY))
        self._add(
            scheduler, self._refresh_complete_shares, REFRESH_EVERY, "freshness", first_share, []
        )
        if self.services.lake is not None:
            seconds = self.services.app.lake.interval
            # The first flush waits for the first runs (and their aggregations) to land.
            first = now + timedelta(seconds=min(300.0, seconds))
            self._add(scheduler, self._flush_lake, seconds, "lake", first, [])
            scheduler.add_job(
                self._maintain_lake,
                CronTrigger(hour=3, minute=40, timezone=PARIS),
                id="lake:maintenance",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )
        if self.services.aggregators:
            # After midnight in Paris, when yesterday's last points are in.
            scheduler.add_job(
                self._daily_report,
                CronTrigger(hour=0, minute=20, timezone=PARIS),
                id="report:daily",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )

    @staticmethod
    def _add(
        scheduler: AsyncIOScheduler,
        func: Callable[..., Coroutine[Any, Any, None]],
        seconds: float,
        job_id: str,
        first: datetime,
        args: list[str],
        jitter: float | None = None,
    ) -> None:
        scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds, jitter=jitter, timezone=UTC),
            args=args,
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(seconds)),
            next_run_time=first,
        )

    async def main(self, extra_jobs: Iterable[Callable[[AsyncIOScheduler], None]] = ()) -> int:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self.request_stop, sig.name)
        health_server = None
        try:
            for name, reason in sorted(self.services.plugins.disabled.items()):
                log.warning("source disabled", source=name, reason=reason)
            if self.health_port:
                try:
                    health_server = await start_health(
                        self.health, self.services.app.health_host, self.health_port
                    )
                except OSError as exc:  # monitoring is not worth stopping the collection for
                    log.error("health endpoint not started", port=self.health_port, error=str(exc))
            if not await wait_for_storage(self.services, self.stop_event):
                return 0
            self.health.storage_ok = True
            await self._record_switches()
            await self._start_leases()
            scheduler = AsyncIOScheduler(timezone=UTC)
            self._schedule(scheduler)
            for add in extra_jobs:
                add(scheduler)
            scheduler.start()
            self.health.started = True
            self.notifier.ready(f"collecting {len(self.services.runners)} sources")
            log.info(
                "daemon started",
                sources=sorted(self.services.runners),
                aggregations=sorted(self.services.aggregators),
                storage=self.services.app.storage,
                health=f"http://{self.services.app.health_host}:{self.health_port}"
                if self.health_port
                else None,
            )
            await self.stop_event.wait()
            scheduler.pause()
            await self._drain(self.services.app.drain_timeout)
            await self._stop_leases()
            scheduler.shutdown(wait=False)
            return 0
        finally:
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
            if health_server is not None:
                await health_server.cleanup()
            log.info(
                "daemon stopped", **{k: self.outcomes[k] for k in ("done", "failed", "cancelled")}
            )

    async def _held_elsewhere(self) -> set[str]:
        """The leases another daemon holds now (none known if storage does not answer)."""
        try:
            leases = await self.services.store.list_leases()
        except StorageError:
            return set()
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        me = self.leases.holder
        return {x.name for x in leases if x.holder != me and not x.expired(now_ms)}

    async def _start_leases(self) -> None:
        """Take every free lease before the first runs, then keep them on a heartbeat."""
        if self.services.app.storage == "local":
            await self._clear_stale_leases()
        beat = await self.leases.beat()
        log.info("leases", daemon=self.leases.holder, held=self.leases.held)
        self._lease_task = asyncio.create_task(self._keep_leases(beat.wake))

    async def _clear_stale_leases(self) -> None:
        """Locally the data dir lock admits one daemon: a lease of another holder is one a
        killed daemon left behind, not worth waiting out after a restart."""
        try:
            for lease in await self.services.store.list_leases():
                if lease.holder != self.leases.holder:
                    await self.services.store.release_lease(lease.name, lease.holder)
                    log.info("stale lease cleared", lease=lease.name, holder=lease.holder)
        except StorageError as exc:
            log.warning("stale leases not cleared", error=str(exc))

    async def _keep_leases(self, wake: float) -> None:
        # Its own task rather than a scheduler job: it must wake when another daemon's lease
        # runs out, and go on renewing while the scheduler is paused for the drain.
        while not self._leases_done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._leases_done.wait(), timeout=wake)
            if self._leases_done.is_set():
                return
            self.leases.acquiring = not self.stop_event.is_set()
            try:
                beat = await self.leases.beat()
            except Exception:  # a bug or bad stored data must not end the heartbeat
                log.error("lease heartbeat failed", exc_info=True)
                wake = max(1.0, self.services.app.lease_duration / 3)
                continue
            wake = beat.wake
            for name in beat.lost:
                source = lease_source(name)
                task = self._runs.get(source) if source else None
                if task is not None and not task.done():
                    log.warning("run cancelled: lease lost", source=source)
                    task.cancel()
            for name in beat.acquired:
                source = lease_source(name)
                if source is not None and not self.stop_event.is_set():
                    # Taken over from a daemon that stopped: its cursor is in storage, and
                    # this source runs now rather than at its next interval.
                    self.services.runners[source].known_state = None
                    takeover = asyncio.create_task(self._tick(source))
                    self._takeovers.add(takeover)
                    takeover.add_done_callback(self._takeovers.discard)

    async def _stop_leases(self) -> None:
        """After the drain: stop renewing and give every lease up for another daemon."""
        self._leases_done.set()
        if self._lease_task is not None:
            await asyncio.gather(self._lease_task, return_exceptions=True)
        await self.leases.release_all()

    async def _drain(self, timeout: float) -> None:
        pending = set(self.inflight)
        if pending:
            _done, pending = await asyncio.wait(pending, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=2.0)


async def run_aggregations(services: Services, names: Iterable[str]) -> list[AggregationResult]:
    """One run of each named aggregation, one after the other (the ``aggregate`` command)."""
    return [await services.aggregators[n].run() for n in names]


async def run_once(services: Services, names: Iterable[str]) -> list[RunResult]:
    """One run of each named source, concurrently (the ``once`` command).

    Payloads spooled by an earlier run go to storage first, so order is kept.
    """
    if services.spool.count():
        await drain(services.spool, services.store, services.registry, services.plugins)
    runners = [services.runners[n] for n in names]
    return list(await asyncio.gather(*(r.run() for r in runners)))


def run_daemon(
    app: Settings,
    registry: Registry,
    plugins: PluginSettings,
    extra_jobs: Iterable[Callable[[AsyncIOScheduler], None]] = (),
) -> int:
    async def main() -> int:
        async with Services(app, registry, plugins) as services:
            return await Daemon(services).main(extra_jobs)

    return asyncio.run(main())
