"""What the dashboard reads: settings, plugin catalogue, cached storage reads, freshness.

The catalogue, the source status (staleness, labels, enabled) and the reads themselves are
the read layer's (:mod:`readlayer`), the same the API answers with; this module adds the
dashboard's caching and its Paris-time wording. Reads go through the same storage reader as
the API (``make_reader(load_settings())``). Each
read is cached for one *slot* of its source's refresh period (half the source's or the
aggregation's interval, 15 s to 5 min): every session shares the read of the current slot, and
a new slot reads storage again. Failures are never cached, so a page recovers on its own.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from collector.settings import Settings, SettingsError, load_settings
from collector.storage import Reader, StorageError, make_reader
from dashboard.csv_export import Publisher
from readlayer import reads, status
from readlayer.catalogue import AggregationInfo as AggregationInfo
from readlayer.catalogue import Catalogue as BaseCatalogue
from readlayer.catalogue import DatasetInfo as DatasetInfo
from readlayer.catalogue import SourceInfo as SourceInfo
from readlayer.catalogue import discover_catalogue
from readlayer.errors import ConfigError
from readlayer.status import SourceStatus, duration

log = logging.getLogger("dashboard")
T = TypeVar("T")

PARIS = ZoneInfo("Europe/Paris")
MIN_TTL_S, MAX_TTL_S, DEFAULT_TTL_S = 15.0, 300.0, 60.0
TREND_HOURS = 48
TREND_LIMIT = 2000
MISSING = "—"
"""What a table cell, a card or a caption shows for a value that is not known."""
STALE_FACTOR = status.STALE_AFTER_INTERVALS
"""A source is stale once its last success is older than this many intervals (the read
layer's one rule, the API's too)."""


class Unavailable(Exception):
    """Nothing can be read: bad settings or unreachable storage (the message says which)."""


class NoData(Exception):
    """Storage answered, but holds nothing yet for this view."""


@dataclass(frozen=True)
class Catalogue(BaseCatalogue):
    """The read layer's catalogue, with how long the dashboard caches each read."""

    def ttl(self, name: str) -> float:
        """Cache lifetime of a dataset's or an aggregation's reads, in seconds."""
        interval = self.interval_s(name)
        if interval is None:
            return DEFAULT_TTL_S
        return min(max(interval / 2, MIN_TTL_S), MAX_TTL_S)

    @classmethod
    def of(cls, base: BaseCatalogue) -> Catalogue:
        return cls(**{f.name: getattr(base, f.name) for f in fields(base)})


@dataclass(frozen=True)
class Context:
    """One page run's view of the installation."""

    settings: Settings
    key: str
    catalogue: Catalogue
    now: datetime

    def refresh_s(self, names: Iterable[str]) -> float:
        """How often a page showing ``names`` refreshes itself."""
        return min((self.catalogue.ttl(n) for n in names), default=DEFAULT_TTL_S)


def context() -> Context:
    """Settings and catalogue for this run; :class:`Unavailable` when settings are bad."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise Unavailable(f"The settings are invalid: {exc}") from None
    key = hashlib.sha256(settings.model_dump_json().encode()).hexdigest()[:16]
    return Context(settings, key, _catalogue(key, settings), datetime.now(UTC))


@st.cache_resource(show_spinner=False, ttl=600)
def _catalogue(key: str, _settings: Settings) -> Catalogue:
    try:
        _, found = discover_catalogue(_settings)
    except ConfigError as exc:
        log.warning("plugin discovery failed: %s", exc)
        return Catalogue(problem=str(exc))
    return Catalogue.of(found)


# storage ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Handle:
    reader: Reader
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def _handle(key: str, _settings: Settings) -> _Handle:
    # One reader per configuration, shared by every session; the lock serialises its use
    # (the local reader holds one SQLite connection).
    try:
        return _Handle(make_reader(_settings))
    except StorageError as exc:
        raise Unavailable(f"The storage is unreachable: {exc}") from None


def _call(ctx: Context, fn: Callable[[Reader], T]) -> T:
    handle = _handle(ctx.key, ctx.settings)
    with handle.lock:
        try:
            return fn(handle.reader)
        except StorageError as exc:
            raise Unavailable(f"The storage is unreachable: {exc}") from None


@st.cache_data(show_spinner=False, ttl=2 * MAX_TTL_S, max_entries=512)
def _read(
    key: str, what: str, name: str, slot: int, _ctx: Context, hours: float = TREND_HOURS
) -> Any:
    """One storage read for the slot; ``key``, ``slot`` and ``hours`` make the cache key."""
    if what == "latest":
        return _call(_ctx, lambda r: reads.latest(r, name))
    if what == "gold_latest":
        return _call(_ctx, lambda r: r.gold_latest(name))
    if what == "gold":
        return _call(_ctx, lambda r: reads.trend(r, name, _ctx.now, hours, TREND_LIMIT))
    if what == "states":
        return _call(_ctx, lambda r: r.states())
    raise ValueError(what)


def _cached(ctx: Context, what: str, name: str, ttl: float, hours: float = TREND_HOURS) -> Any:
    return _read(ctx.key, what, name, int(time.time() // ttl), ctx, hours)


def latest_records(ctx: Context, dataset: str) -> list[dict[str, Any]]:
    """The latest record of each entity; :class:`NoData` when the dataset is empty."""
    rows: list[dict[str, Any]] = _cached(ctx, "latest", dataset, ctx.catalogue.ttl(dataset))
    if not rows:
        raise NoData(f"No {dataset} records yet: the collector has not stored any.")
    return rows


def latest(ctx: Context, dataset: str) -> pd.DataFrame:
    """:func:`latest_records` as a table."""
    return pd.DataFrame.from_records(latest_records(ctx, dataset))


def gold_latest(ctx: Context, name: str) -> dict[str, Any]:
    """The newest point of an analytic; :class:`NoData` when it has none (or is not installed)."""
    point: dict[str, Any] | None = _cached(ctx, "gold_latest", name, ctx.catalogue.ttl(name))
    if point is None:
        raise NoData(no_gold_message(ctx, name))
    return point


def gold_series(ctx: Context, name: str, hours: float = TREND_HOURS) -> list[dict[str, Any]]:
    """An analytic's points of the last ``hours`` (:data:`TREND_HOURS`), oldest first."""
    points: list[dict[str, Any]] = _cached(ctx, "gold", name, ctx.catalogue.ttl(name), hours)
    if not points:
        raise NoData(no_gold_message(ctx, name))
    return list(reversed(points))


def no_gold_message(ctx: Context, name: str) -> str:
    if ctx.catalogue.aggregations and name not in ctx.catalogue.aggregations:
        return f"The analytic {name} is not installed."
    return f"No {name} results yet: the aggregation has not run."


def publishers(catalogue: BaseCatalogue, names: Iterable[str]) -> tuple[Publisher, ...]:
    """Who published the data behind datasets or analytics (an analytic: the publishers of
    its inputs), each once, in order; the credit of :meth:`Catalogue.credit`, split."""
    found: dict[Publisher, None] = {}
    for name in names:
        inputs = catalogue.aggregations[name].inputs if name in catalogue.aggregations else (name,)
        for dataset in inputs:
            source = catalogue.source_of(dataset)
            if source is not None:
                found[Publisher(source.attribution or source.name, source.licence)] = None
    return tuple(found)


def states(ctx: Context) -> dict[str, dict[str, Any]]:
    ttl = min((ctx.catalogue.ttl(s) for s in ctx.catalogue.sources), default=DEFAULT_TTL_S)
    result: dict[str, dict[str, Any]] = _cached(ctx, "states", "", ttl)
    return result


# freshness ----------------------------------------------------------------------------------
def parse_time(text: Any) -> datetime | None:
    """A stored UTC timestamp (``2025-11-04T19:00:00Z`` or ISO 8601) as an aware datetime."""
    return status.parse_time(text)


def paris_time(moment: datetime | None, *, seconds: bool = False) -> str:
    """``4 Nov 2025 19:00`` in Paris time, or :data:`MISSING`."""
    if moment is None:
        return MISSING
    local = moment.astimezone(PARIS)
    return local.strftime("%-d %b %Y %H:%M:%S" if seconds else "%-d %b %Y %H:%M")


def age(moment: datetime | None, now: datetime) -> str:
    """``3 min ago``, ``2 h ago``, ``never``."""
    if moment is None:
        return "never"
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


@dataclass(frozen=True)
class Freshness:
    source: str
    status: str
    """The read layer's label: ``ok``, ``stale``, ``failing``, ``never_run`` or ``disabled``."""
    last_success: datetime | None
    data_up_to: datetime | None
    interval_s: float
    detail: str


def freshness(ctx: Context) -> list[Freshness]:
    """Per known source: did it succeed within its interval, and how recent is its data."""
    return judge(ctx.catalogue, states(ctx), ctx.now)


def disabled_reason(info: SourceInfo | None, state: Mapping[str, Any]) -> str | None:
    """Why a source does not run: the daemon's own record first (it holds the secrets the
    dashboard does not), the dashboard's settings only for a source the daemon never ran."""
    enabled, reason = status.switches(info, status.SourceState.from_saved(state))
    return None if enabled else reason


def judge(
    catalogue: BaseCatalogue, saved: Mapping[str, Mapping[str, Any]], now: datetime
) -> list[Freshness]:
    """The freshness of each source, from its saved state (see :mod:`readlayer.status`)."""
    return [
        Freshness(
            source=judged.name,
            status=judged.label,
            last_success=parse_time(judged.state.last_success_at),
            data_up_to=parse_time(judged.state.data_freshness),
            interval_s=judged.interval_s,
            detail=judged.detail,
        )
        for judged in status.judge(catalogue, saved, now)
    ]


def source_statuses(ctx: Context) -> list[SourceStatus]:
    """The read layer's verdict on every source (label, enabled and why, typed state)."""
    return status.judge(ctx.catalogue, states(ctx), ctx.now)


def source_status(ctx: Context, name: str) -> SourceStatus:
    """The read layer's verdict on one source (``never_run`` when it has no state)."""
    return status.source_status(
        name, ctx.catalogue.sources.get(name), states(ctx).get(name), ctx.now
    )


def _duration(seconds: float) -> str:
    return duration(seconds)
