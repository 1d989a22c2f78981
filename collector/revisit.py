"""Late corrections: fetch a source's trailing window again (``Source.revisit``).

Publishers fill in or correct recent periods after first publishing them (the Paris traffic
counters: an hour's counts completed a day later). A source declaring
``revisit=Revisit(window, every)`` has the window fetched again through its own ``backfill``
(:func:`collector.backfill.fetch_slice`, the same path as ``paris-collector backfill``):

- each slice's payload goes to bronze under the source's normal raw key, behind the lake's
  cursor, which it rewinds: the lake merges it by key;
- its records are upserted by key: a changed record is rewritten in the history, the latest
  view only moves forward (an entity's newest hour corrected is rewritten, an older one is
  not), and an identical record is not written at all, so the rows written are the revisions;
- the live cursor (the plugin's watermark) is never read nor moved;
- the completeness ledger records each batch, where it counts the revisions per slot.

The daemon (:func:`revisit_when_due`) revisits once per ``every`` at a quiet time, under the
source's lease and lock, and keeps the last attempt in the source's saved state
(``revisit``), so a restart does not revisit again at once. ``paris-collector revisit``
(:mod:`collector.cli_revisit`) runs one now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from collector import keys
from collector.backfill import BackfillError, BackfillReport, fetch_slice, slices
from collector.ledger.record import record as record_ledger
from collector.logs import get_logger
from collector.storage.base import StorageError

if TYPE_CHECKING:
    from collector.http import HttpClient
    from collector.plugin import Source, SourceSettings
    from collector.runner import SourceRunner
    from collector.settings import Settings
    from collector.storage.base import Store

log = get_logger(component="revisit")

PARIS = ZoneInfo("Europe/Paris")
QUIET_HOURS = (4, 6)
"""Paris hours [from, to) when a daily (or rarer) revisit may start: after the night's
lake maintenance (03:40) and before the morning rush of requests."""
CHECK_EVERY = timedelta(minutes=10)
"""How often the daemon asks whether a revisit is due (a state read, nothing more)."""
STATE_FIELD = "revisit"
"""The key of the last attempt in the source's saved state."""


class RevisitError(Exception):
    """The revisit stopped: what its earlier slices stored stays; the next one covers it."""


@dataclass
class RevisitReport:
    source: str
    since: datetime
    until: datetime
    slices: int = 0
    payloads: int = 0
    records: int = 0
    written: int = 0
    """Rows written to silver: records the publisher added or changed since they were stored
    (an identical record is not written again)."""
    duration_s: float = 0.0
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def saved(self, at: datetime) -> dict[str, Any]:
        """The attempt as kept in the source's state."""
        out = asdict(self)
        out.update(at=keys.ts(at), since=keys.ts(self.since), until=keys.ts(self.until))
        del out["source"]
        return out


def window(source: Source, now: datetime) -> tuple[datetime, datetime]:
    """The trailing window to fetch again: ``revisit.window`` back from ``now``, its start
    aligned on the source's interval (UTC epoch), so that every revisit asks whole slots."""
    assert source.revisit is not None
    step = source.interval.total_seconds()
    start = (now - source.revisit.window).timestamp()
    return datetime.fromtimestamp(start - start % step, UTC), now


def due(last: str | None, now: datetime, every: timedelta) -> bool:
    """Whether a revisit is due after the last attempt at ``last`` (a key timestamp).

    A daily or rarer revisit starts in the quiet hours only (Paris time), as soon as they
    begin once ``every`` minus the quiet span has passed, so it does not drift through the
    night; a more frequent one runs every ``every``. Never revisited: at the next quiet time.
    """
    previous = _parse(last)
    if every < timedelta(days=1):
        return previous is None or now - previous >= every
    start, end = QUIET_HOURS
    if not start <= now.astimezone(PARIS).hour < end:
        return False
    return previous is None or now - previous >= every - timedelta(hours=end - start)


async def revisit(
    store: Store,
    source: Source,
    settings: SourceSettings,
    app: Settings,
    http: HttpClient,
    *,
    now: datetime,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    holds: Callable[[], bool] = lambda: True,
) -> RevisitReport:
    """Fetch the trailing window again, slice by slice, and log the one ``revisit`` line.

    A slice that fails (upstream, storage) or ``holds`` turning false (the lease was lost)
    stops it: the report says so in ``error``, what earlier slices stored stays. Raises
    :class:`RevisitError` only for a source that cannot revisit.
    """
    if source.revisit is None or source.backfill is None:
        raise RevisitError(f"source {source.name} does not revisit (it declares no revisit)")
    since, until = window(source, now)
    report = RevisitReport(source.name, since, until)
    started = time.monotonic()
    try:
        await _fetch_window(store, source, settings, app, http, report, clock, holds)
    except RevisitError as exc:
        report.error = str(exc)
    report.duration_s = round(time.monotonic() - started, 3)
    fields = {k: v for k, v in report.saved(now).items() if k not in ("at", "error")}
    if report.failed:
        log.error("revisit failed", source=source.name, error=report.error, **fields)
    else:
        log.info("revisit", source=source.name, **fields)
    return report


async def _fetch_window(
    store: Store,
    source: Source,
    settings: SourceSettings,
    app: Settings,
    http: HttpClient,
    report: RevisitReport,
    clock: Callable[[], datetime],
    holds: Callable[[], bool],
) -> None:
    assert source.revisit is not None
    retention = timedelta(days=settings.retention_days)
    counts = BackfillReport()
    for start, end in slices(report.since, report.until, source.backfill_slice):
        if not holds():
            raise RevisitError("the source's lease was lost: stopped between slices")
        try:
            batch = await fetch_slice(
                store, source, settings, app, http, start, end, retention, counts, clock
            )
        except BackfillError as exc:
            raise RevisitError(str(exc)) from None
        except StorageError as exc:
            raise RevisitError(f"slice {keys.ts(start)}..{keys.ts(end)}: {exc}") from None
        report.slices += 1
        report.payloads, report.records, report.written = (
            counts.payloads,
            counts.records,
            counts.written,
        )
        if batch is not None:
            # The ledger counts the rows written into slots that had a payload before as
            # their revisions; it never raises (the records are stored either way).
            key = counts.raw_keys[-1]
            fetched_at = keys.raw_key_time(key)
            await record_ledger(
                store, source, settings, batch, fetched_at=fetched_at, now=clock(), raw_key=key
            )


async def revisit_when_due(
    runner: SourceRunner,
    *,
    now: datetime | None = None,
    force: bool = False,
    holds: Callable[[], bool] = lambda: True,
) -> RevisitReport | None:
    """The daemon's job: revisit ``runner``'s source if it is due (or ``force``), under the
    runner's lock (never during the source's own run), then save the attempt in its state.

    Never raises for what the upstream or storage does: a failed revisit is logged, kept in
    the state (the next is due one ``every`` later; the window overlaps, so it is covered)
    and returned with its ``error``. None when nothing was due.
    """
    source = runner.source
    if source.revisit is None or source.backfill is None:
        return None
    async with runner.lock:
        moment = now or datetime.now(UTC)
        try:
            saved = dict(await runner.store.get_state(source.name))
        except StorageError as exc:
            log.debug("revisit not checked: state unreadable", source=source.name, error=str(exc))
            return None
        if not force and not due(last_attempt(saved), moment, source.revisit.every):
            return None
        http = runner.http.for_run(max_body_bytes=runner.settings.max_body_bytes)
        try:
            report = await revisit(
                runner.store,
                source,
                runner.settings,
                runner.app,
                http,
                now=moment,
                holds=holds,
            )
        except Exception as exc:  # a bug in the plugin or the core: keep the traceback
            log.error("revisit crashed", source=source.name, exc_info=True)
            since, until = window(source, moment)
            report = RevisitReport(source.name, since, until, error=f"{type(exc).__name__}: {exc}")
        await save_attempt(runner.store, source.name, report, moment)
        if runner.known_state is not None:
            # The state the runner falls back on during a storage outage must not hand an
            # older attempt back to storage (and make the next revisit due at once).
            runner.known_state.stored[STATE_FIELD] = report.saved(moment)
        return report


async def save_attempt(store: Store, source: str, report: RevisitReport, at: datetime) -> None:
    """Keep the attempt in the source's state, every other key as stored (read just before:
    the ledger may have written its own keys during the revisit)."""
    try:
        state = dict(await store.get_state(source))
        state[STATE_FIELD] = report.saved(at)
        await store.put_state(source, state)
    except StorageError as exc:
        log.warning("revisit not saved in the state", source=source, error=str(exc))


def last_attempt(state: dict[str, Any]) -> str | None:
    """When the last revisit was attempted (a key timestamp), from a source's saved state."""
    last = state.get(STATE_FIELD)
    at = last.get("at") if isinstance(last, dict) else None
    return at if isinstance(at, str) else None


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return keys.parse_ts(text)
    except ValueError:
        return None
