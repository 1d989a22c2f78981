"""The daemon: every enabled source on its own interval, concurrently, until told to stop.

Life cycle (as arq does it): :func:`run` (sync entry) -> :meth:`Daemon.main` (the loop) ->
cleanup in ``finally``. The first SIGTERM/SIGINT stops new runs and drains in-flight ones up
to ``PARIS_DRAIN_TIMEOUT`` seconds, then cancels what is left; a second signal cancels at once.
The summary line counts runs done, failed and cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from collector.aggregate import AggregationResult, AggregationRunner
from collector.http import HttpClient, make_session
from collector.logs import get_logger
from collector.plugin_settings import PluginSettings
from collector.registry import Registry
from collector.runner import RunResult, SourceRunner
from collector.settings import Settings
from collector.storage import StorageError, Store, make_store

log = get_logger(component="daemon")


class Services:
    """What the daemon holds for its whole life: storage, the HTTP pool, one runner a source."""

    def __init__(self, app: Settings, registry: Registry, plugins: PluginSettings) -> None:
        self.app = app
        self.registry = registry
        self.plugins = plugins
        self.store: Store = make_store(app)
        self.runners: dict[str, SourceRunner] = {}
        self.aggregators: dict[str, AggregationRunner] = {}
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Services:
        await self._stack.__aenter__()
        session = await self._stack.enter_async_context(make_session(self.app.contact))
        http = HttpClient(session, timeout=self.app.http_timeout, retries=self.app.http_retries)
        await self.store.open()
        self._stack.push_async_callback(self.store.close)
        for name in self.plugins.enabled_sources():
            self.runners[name] = SourceRunner(
                self.registry.source(name), self.plugins.sources[name], self.app, self.store, http
            )
        for name in self.plugins.enabled_aggregations():
            self.aggregators[name] = AggregationRunner(
                self.registry.aggregation(name), self.plugins.aggregations[name], self.store
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.__aexit__(None, None, None)


async def wait_for_storage(store: Store, stop: asyncio.Event, *, max_wait: float = 60.0) -> bool:
    """Retry ``store.check`` with backoff until it answers or ``stop`` is set."""
    delay = 1.0
    failing = False
    while not stop.is_set():
        try:
            await store.check()
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
    def __init__(self, services: Services) -> None:
        self.services = services
        self.stop_event = asyncio.Event()
        self.inflight: set[asyncio.Task[Any]] = set()
        self.outcomes: Counter[str] = Counter()
        self._signals = 0

    def request_stop(self, signame: str = "stop") -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("stopping: no new runs, draining", signal=signame, inflight=len(self.inflight))
            self.stop_event.set()
        else:
            log.warning("second signal: cancelling in-flight runs", signal=signame)
            for task in self.inflight:
                task.cancel()

    async def _tick(self, name: str) -> None:
        if self.stop_event.is_set():
            return
        task = asyncio.ensure_future(self.services.runners[name].run())
        self.inflight.add(task)
        try:
            result = await asyncio.shield(task)
            self.outcomes["failed" if result.failed else "done"] += 1
        except asyncio.CancelledError:
            self.outcomes["cancelled"] += 1
        finally:
            self.inflight.discard(task)

    def _schedule(self, scheduler: AsyncIOScheduler) -> None:
        jitter = self.services.app.jitter
        now = datetime.now(UTC)
        for name, runner in self.services.runners.items():
            seconds = runner.interval.total_seconds()
            # Start each source soon, spread a little so they do not all hit at once.
            first = now + timedelta(seconds=random.uniform(0, min(2.0, seconds * jitter)))
            scheduler.add_job(
                self._tick,
                IntervalTrigger(seconds=seconds, jitter=seconds * jitter or None),
                args=[name],
                id=f"source:{name}",
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(seconds)),
                next_run_time=first,
            )

    async def _aggregate(self, name: str) -> None:
        if self.stop_event.is_set():
            return
        task = asyncio.ensure_future(self.services.aggregators[name].run())
        self.inflight.add(task)
        try:
            result = await asyncio.shield(task)
            self.outcomes["failed" if result.failed else "done"] += 1
        except asyncio.CancelledError:
            self.outcomes["cancelled"] += 1
        finally:
            self.inflight.discard(task)

    async def _daily_report(self) -> None:
        from collector.report import write_report, yesterday_in_paris

        day = yesterday_in_paris(datetime.now(UTC))
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

    def _schedule_aggregations(self, scheduler: AsyncIOScheduler) -> None:
        now = datetime.now(UTC)
        for name, runner in self.services.aggregators.items():
            seconds = runner.interval.total_seconds()
            # The first run waits for the sources' first runs to land.
            first = now + timedelta(seconds=min(30.0, seconds))
            scheduler.add_job(
                self._aggregate,
                IntervalTrigger(seconds=seconds),
                args=[name],
                id=f"aggregation:{name}",
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(seconds)),
                next_run_time=first,
            )
        if self.services.aggregators:
            # After midnight in Paris, when yesterday's last points are in.
            scheduler.add_job(
                self._daily_report,
                CronTrigger(hour=0, minute=20, timezone="Europe/Paris"),
                id="report:daily",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )

    async def main(self, extra_jobs: Iterable[Callable[[AsyncIOScheduler], None]] = ()) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig.name)
        try:
            for name, reason in sorted(self.services.plugins.disabled.items()):
                log.warning("source disabled", source=name, reason=reason)
            if not await wait_for_storage(self.services.store, self.stop_event):
                return 0
            scheduler = AsyncIOScheduler(timezone=UTC)
            self._schedule(scheduler)
            self._schedule_aggregations(scheduler)
            for add in extra_jobs:
                add(scheduler)
            scheduler.start()
            log.info(
                "daemon started",
                sources=sorted(self.services.runners),
                storage=self.services.app.storage,
            )
            await self.stop_event.wait()
            scheduler.pause()
            await self._drain(self.services.app.drain_timeout)
            scheduler.shutdown(wait=False)
            return 0
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            log.info(
                "daemon stopped", **{k: self.outcomes[k] for k in ("done", "failed", "cancelled")}
            )

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
    """One run of each named source, concurrently (the ``once`` command)."""
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
