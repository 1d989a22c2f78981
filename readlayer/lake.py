"""Long ranges from the lake, for both readers: series over months, a typical day, a week.

The hot store answers the last days by key; the lake answers "over a year" and "a usual
Tuesday". Each function is one DuckDB query over the lake's tables (``collector.lake``), its
times in UTC in and out, its buckets in Paris time where a person reads them (an hour of the
day, a day of the week). A lake with no table yet answers empty, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from collector.lake import query
from collector.lake.catalog import open_catalog, table_name

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

    from collector.settings import Settings

PARIS = "Europe/Paris"
LAST_INSTANT = "(window_end - INTERVAL 1 SECOND)"
"""A window is counted in the hour or day its last instant falls in: the result of 08:00-09:00
is the hour 8, the window ending at midnight is the day before's."""
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_NOT_FIELDS = frozenset(
    {"entity_id", "observed_at", "raw_key", "window_start", "window_end", "ran_at"}
)


class LakeUnavailable(Exception):
    """No lake to read (never written, or unreachable)."""


@dataclass(frozen=True)
class Lake:
    """The lake of one deployment, as the readers see it."""

    catalog: Catalog
    namespace: str

    @classmethod
    def open(cls, settings: Settings) -> Lake:
        try:
            return cls(open_catalog(settings, create=False), settings.lake.namespace)
        except FileNotFoundError as exc:
            raise LakeUnavailable(str(exc)) from None
        except Exception as exc:  # Glue or S3 unreachable: one message for the page
            raise LakeUnavailable(f"lake unreachable: {type(exc).__name__}: {exc}") from None

    def tables(self) -> list[str]:
        return query.tables(self.catalog, self.namespace)

    def has(self, dataset: str) -> bool:
        return table_name(dataset) in self.tables()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        con = query.connect(self.catalog, self.namespace)
        try:
            cursor = con.execute(sql, list(params))
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            con.close()


def _column(name: str) -> str:
    if not _COLUMN.match(name):
        raise ValueError(f"not a column name: {name!r}")
    return f'"{name}"'


def series(
    lake: Lake,
    name: str,
    field: str,
    *,
    since: datetime,
    until: datetime,
    bucket: str = "hour",
) -> list[dict[str, Any]]:
    """An analytic's ``field`` averaged per ``bucket`` (hour, day, week, month), oldest first.

    Buckets are Paris calendar units (a day is a Paris day); ``at`` is the bucket's start in
    UTC.
    """
    if bucket not in ("hour", "day", "week", "month"):
        raise ValueError(f"bucket must be hour, day, week or month, not {bucket!r}")
    if not lake.has(name):
        return []
    column = _column(field)
    start = f"date_trunc('{bucket}', timezone('{PARIS}', {LAST_INSTANT}))"
    sql = f"""
        SELECT timezone('{PARIS}', {start}) AS at,
               avg({column}) AS value, min({column}) AS low, max({column}) AS high,
               count({column}) AS points
        FROM {table_name(name)}
        WHERE window_end > ? AND window_end <= ?
        GROUP BY 1 ORDER BY 1
    """
    return [_utc(row) for row in lake.rows(sql, [since, until])]


def typical_day(
    lake: Lake,
    name: str,
    field: str,
    *,
    day: date,
    weeks: int = 8,
    same_weekday: bool = True,
) -> list[dict[str, Any]]:
    """Per hour of the Paris day: ``field`` on ``day`` against its usual band.

    The band is the median and the 10th and 90th percentiles of the same hour over the
    ``weeks`` weeks before ``day`` (only the same weekday when ``same_weekday``: a Tuesday
    against Tuesdays, the Sytadin habit). Hours with no history have no band.
    """
    if not lake.has(name):
        return []
    column = _column(field)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(weeks=weeks, days=1)
    end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=2)
    weekday = "AND dayofweek(local) = dayofweek(?::DATE)" if same_weekday else ""
    sql = f"""
        WITH points AS (
            SELECT timezone('{PARIS}', {LAST_INSTANT}) AS local, {column} AS v
            FROM {table_name(name)}
            WHERE window_end > ? AND window_end <= ? AND {column} IS NOT NULL
        ),
        usual AS (
            SELECT hour(local) AS hour,
                   quantile_cont(v, 0.5) AS median, quantile_cont(v, 0.1) AS p10,
                   quantile_cont(v, 0.9) AS p90, count(DISTINCT local::DATE) AS days
            FROM points
            WHERE local::DATE < ?::DATE {weekday}
            GROUP BY 1
        ),
        today AS (
            SELECT hour(local) AS hour, avg(v) AS value
            FROM points WHERE local::DATE = ?::DATE GROUP BY 1
        )
        SELECT h.hour, t.value, u.median, u.p10, u.p90, coalesce(u.days, 0) AS days
        FROM range(24) AS h(hour)
        LEFT JOIN usual u USING (hour) LEFT JOIN today t USING (hour)
        ORDER BY h.hour
    """
    params: list[Any] = [start, end, day]
    if same_weekday:
        params.append(day)
    params.append(day)
    return lake.rows(sql, params)


def hour_of_week(
    lake: Lake,
    dataset: str,
    field: str,
    *,
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """A dataset's ``field`` averaged per (Paris weekday, hour): 0 = Monday ... 6 = Sunday.

    Each entity counts once per hour (its mean in that hour), so a car park polled every
    two minutes weighs as much as one polled every ten.
    """
    if not lake.has(dataset):
        return []
    column = _column(field)
    sql = f"""
        WITH hourly AS (
            SELECT entity_id, date_trunc('hour', timezone('{PARIS}', observed_at)) AS local,
                   avg({column}) AS v
            FROM {table_name(dataset)}
            WHERE observed_at > ? AND observed_at <= ? AND {column} IS NOT NULL
            GROUP BY 1, 2
        )
        SELECT (isodow(local) - 1) AS weekday, hour(local) AS hour, avg(v) AS value,
               count(*) AS samples, count(DISTINCT local::DATE) AS days
        FROM hourly GROUP BY 1, 2 ORDER BY 1, 2
    """
    return lake.rows(sql, [since, until])


def numeric_fields(lake: Lake, name: str) -> list[str]:
    """The numeric columns of a dataset's or an analytic's table, in table order (none
    without a table): what :func:`series` can average. Keys and times are not fields."""
    if not lake.has(name):
        return []
    import pyarrow as pa

    schema = lake.catalog.load_table(f"{lake.namespace}.{table_name(name)}").schema().as_arrow()
    return [
        f.name
        for f in schema
        if (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))
        and f.name not in _NOT_FIELDS
    ]


def newest(lake: Lake, name: str) -> datetime | None:
    """The ``window_end`` of an analytic's newest point in the lake (None: no point yet).

    The lake is written on its own interval, so its newest point may be an hour behind the
    hot store's: a reader tops a series up from the hot store after this instant.
    """
    if not lake.has(name):
        return None
    rows = lake.rows(f"SELECT max(window_end) AS at FROM {table_name(name)}")
    return _utc(rows[0])["at"] if rows and rows[0]["at"] is not None else None


def _utc(row: dict[str, Any]) -> dict[str, Any]:
    at = row.get("at")
    if isinstance(at, datetime):
        row["at"] = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return row
