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
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from collector import keys
from collector.settings import Settings, SettingsError, load_settings
from collector.storage import Reader, StorageError, make_reader
from dashboard import buckets
from dashboard.csv_export import Publisher
from readlayer import lake as lakes
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
HOT_HOURS = TREND_HOURS
"""Trends up to this long are every run, from the hot store; longer ones are means per
hour, day or week from the lake (the hot store holds a range, the lake answers it fast)."""
HOT_MAX_POINTS = 30_000
"""The most runs one trend reads from the hot store (90 days of a 5-minute analytic): past
it the chart starts later, and its subtitle says from when."""
GOLD_PAGE = 1000
LAKE_TTL_S = MAX_TTL_S
"""The lake is written hourly: its reads are cached for five minutes."""
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
        since = keys.ts(_ctx.now - timedelta(hours=hours))
        return _call(_ctx, lambda r: _gold_range(r, name, since))
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


def _gold_range(reader: Reader, name: str, since: str) -> list[dict[str, Any]]:
    """Gold points since ``since``, newest first, page after page up to :data:`HOT_MAX_POINTS`
    (one page would keep only the newest runs of a long range)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < HOT_MAX_POINTS:
        page = reader.gold(
            name, since, "~", limit=min(GOLD_PAGE, HOT_MAX_POINTS - len(items)), cursor=cursor
        )
        items += page.items
        if page.next is None:
            break
        cursor = page.next
    return items


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


# the lake -----------------------------------------------------------------------------------
WEEK_H, QUARTER_H = 7 * 24, 92 * 24


def bucket_for(hours: float) -> str:
    """The mean a long trend draws: hourly up to a week, daily up to three months, weekly
    beyond (a few hundred points at most, whatever the range)."""
    return "hour" if hours <= WEEK_H else "day" if hours <= QUARTER_H else "week"


@dataclass(frozen=True)
class Trend:
    """Fields of an analytic over a time range, as a trend chart draws them."""

    times: list[datetime]
    """UTC: each run's time, or each bucket's start."""
    values: dict[str, list[float | None]]
    bucket: str | None
    """None: every run (a short range); ``hour``, ``day`` or ``week``: Paris-calendar means."""
    from_lake: bool
    note: str | None = None
    """Why the lake did not answer a long range, said above the chart; None when it did."""


def trend(
    ctx: Context, name: str, fields: Iterable[str], hours: float, *, time_field: str | None = None
) -> Trend:
    """``fields`` of analytic ``name`` over the last ``hours``.

    Up to :data:`HOT_HOURS`, every run from the hot store (its time ``time_field`` of its data
    when given, e.g. the counted hour, else its ``window_end``). Longer, means per
    :func:`bucket_for` from the lake, topped up from the hot store with the runs the lake has
    not received yet; with no lake, or none of the range in it, the same means of what the
    hot store keeps, and :attr:`Trend.note` says so. :class:`NoData` when neither has a run.
    """
    wanted = list(fields)
    if hours <= HOT_HOURS:
        pairs = []
        for p in gold_series(ctx, name, hours):
            at = parse_time(p["data"].get(time_field)) if time_field else None
            at = at or parse_time(p.get("window_end"))
            if at is not None:
                pairs.append((at, p["data"]))
        return Trend(
            [t for t, _ in pairs],
            {f: [buckets.number(d.get(f)) for _, d in pairs] for f in wanted},
            None,
            from_lake=False,
        )
    bucket = bucket_for(hours)
    since = ctx.now - timedelta(hours=hours)
    try:
        known = set(_lake(ctx, "fields", name))
        series = {
            f: buckets.of_rows(_lake(ctx, "series", name, f, since, ctx.now, bucket))
            for f in wanted
            if f in known
        }
        if any(series.values()):
            newest: datetime | None = _lake(ctx, "newest", name)
            top = buckets.of_points(_hot_points(ctx, name, newest or since), wanted, bucket)
            return _bucketed({f: buckets.merge(series.get(f, {}), top[f]) for f in wanted}, bucket)
        note = f"The lake holds no {name} result of this range yet"
    except lakes.LakeUnavailable as exc:
        note = f"The lake cannot be read ({exc})"
    except Exception:
        log.exception("lake read of %s failed", name)
        note = "The lake could not be read (the details are in the dashboard's log)"
    points = _hot_points(ctx, name, since)
    if not points:
        gold_latest(ctx, name)  # NoData when the analytic has never run
        raise NoData(f"{note}, and the hot store holds no {name} result of it either.")
    merged = buckets.of_points(points, wanted, bucket)
    first = data_span(points)
    return _bucketed(
        merged,
        bucket,
        note=f"{note}: the chart shows the means of what the hot store keeps, from {first}.",
    )


def data_span(points: list[tuple[datetime, Any]]) -> str:
    return f"{paris_time(min(t for t, _ in points))} (Paris)"


def _bucketed(
    merged: Mapping[str, Mapping[datetime, buckets.Bucket]], bucket: str, *, note: str | None = None
) -> Trend:
    times = sorted({at for found in merged.values() for at in found})
    values: dict[str, list[float | None]] = {}
    for f, found in merged.items():
        values[f] = [found[t].value if t in found else None for t in times]
    return Trend(times, values, bucket, from_lake=note is None, note=note)


def _hot_points(ctx: Context, name: str, after: datetime) -> list[tuple[datetime, dict[str, Any]]]:
    """``(window_end, data)`` of the hot store's runs ending after ``after``, oldest first."""
    # Whole hours, so that the read is the same cache entry for the whole slot.
    hours = max(1, math.ceil((ctx.now - after).total_seconds() / 3600))
    points: list[dict[str, Any]] = _cached(ctx, "gold", name, ctx.catalogue.ttl(name), hours)
    found = []
    for p in reversed(points):
        end = parse_time(p.get("window_end"))
        if end is not None and end > after:
            found.append((end, p["data"]))
    return found


def typical_day(ctx: Context, name: str, field: str, *, weeks: int = 8) -> list[dict[str, Any]]:
    """Per Paris hour of today: ``value`` (today, the hot store's runs), ``median``, ``p10``,
    ``p90`` (the same weekday over the ``weeks`` before, the lake's); :class:`NoData` when
    there is no usual day to draw."""
    today = ctx.now.astimezone(PARIS).date()
    try:
        rows: list[dict[str, Any]] = _lake(ctx, "typical", name, field, today, weeks)
    except lakes.LakeUnavailable as exc:
        raise NoData(f"The usual day comes from the lake, which cannot be read: {exc}.") from None
    if not any(r.get("days") for r in rows):
        raise NoData(
            f"No usual day yet: the lake holds no {name} result of the {weeks} weeks before today."
        )
    midnight = datetime(today.year, today.month, today.day, tzinfo=PARIS).astimezone(UTC)
    # Today's curve from the hot store: the lake is written hourly, the hot store has the
    # last run. An hour the hot store lacks keeps the lake's value.
    live = buckets.hourly(_hot_points(ctx, name, midnight), field)
    return [{**r, "value": live.get(int(r["hour"]), r.get("value"))} for r in rows]


def hour_of_week(ctx: Context, dataset: str, field: str, *, days: int) -> list[dict[str, Any]]:
    """``field`` of ``dataset`` averaged per Paris (weekday, hour) over the last ``days``, from
    the lake; :class:`NoData` when it cannot be read or holds nothing of the period."""
    since = ctx.now - timedelta(days=days)
    try:
        rows: list[dict[str, Any]] = _lake(ctx, "week", dataset, field, since, ctx.now)
    except lakes.LakeUnavailable as exc:
        raise NoData(
            f"The week's profile comes from the lake, which cannot be read: {exc}."
        ) from None
    if not rows:
        raise NoData(f"The lake holds no {dataset} record of the last {days} days yet.")
    return rows


def _lake(ctx: Context, what: str, name: str, *args: Any) -> Any:
    # Times in the cache key are cut to the slot: one read per five minutes, every session.
    slot = int(time.time() // LAKE_TTL_S)
    cut = tuple(_to_slot(a) for a in args)
    return _lake_read(ctx.key, what, name, slot, ctx, cut)


def _to_slot(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0, minute=value.minute - value.minute % 5)
    return value


@st.cache_data(show_spinner=False, ttl=2 * LAKE_TTL_S, max_entries=256)
def _lake_read(
    key: str, what: str, name: str, slot: int, _ctx: Context, args: tuple[Any, ...]
) -> Any:
    """One lake read for the slot; a :class:`readlayer.lake.LakeUnavailable` is not cached."""
    lake = lakes.Lake.open(_ctx.settings)
    if what == "fields":
        return lakes.numeric_fields(lake, name)
    if what == "newest":
        return lakes.newest(lake, name)
    if what == "series":
        field_, since, until, bucket = args
        return lakes.series(lake, name, field_, since=since, until=until, bucket=bucket)
    if what == "typical":
        field_, day, weeks = args
        return lakes.typical_day(lake, name, field_, day=day, weeks=weeks)
    if what == "week":
        field_, since, until = args
        return lakes.hour_of_week(lake, name, field_, since=since, until=until)
    raise ValueError(what)


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
    data_age_s: float | None = None
    """Seconds since the newest observation; None before any."""
    objective_s: float = 0.0
    """How old the newest data may be (the source's freshness objective)."""
    freshness: str = "unknown"
    """``fresh``, ``stale`` (older than the objective) or ``unknown``, apart from ``status``."""


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
            data_age_s=judged.data_age_s,
            objective_s=judged.objective_s,
            freshness=judged.freshness,
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
