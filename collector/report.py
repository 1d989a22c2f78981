"""The daily report: each analytic's series for one Paris day, as JSON and CSV, in bronze.

Written under ``reports/<YYYY-MM-DD>/<aggregation>.json|.csv``. The CSV has one line per
gold point; the scalar fields of the result become columns and nested values are JSON text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from collector import keys
from collector.storage.base import GoldPoint, Store

PARIS = ZoneInfo("Europe/Paris")


def paris_day_bounds(day: date) -> tuple[str, str]:
    """The UTC key range of a Paris calendar day (23, 24 or 25 hours long)."""
    start = datetime.combine(day, time(0), PARIS)
    end = datetime.combine(day + timedelta(days=1), time(0), PARIS) - timedelta(seconds=1)
    return keys.ts(start), keys.ts(end)


def yesterday_in_paris(now: datetime) -> date:
    return now.astimezone(PARIS).date() - timedelta(days=1)


def _cell(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return orjson.dumps(value).decode()


def to_csv(points: Iterable[GoldPoint]) -> str:
    rows: list[dict[str, Any]] = []
    for p in points:
        row: dict[str, Any] = {
            "window_start": p.window_start,
            "window_end": p.window_end,
            "ran_at": p.ran_at,
        }
        row.update({k: _cell(v) for k, v in p.data.items()})
        rows.append(row)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or ["window_start", "window_end", "ran_at"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_json(name: str, day: date, points: Iterable[GoldPoint]) -> bytes:
    series: list[Mapping[str, Any]] = [
        {
            "window_start": p.window_start,
            "window_end": p.window_end,
            "ran_at": p.ran_at,
            "data": p.data,
        }
        for p in points
    ]
    doc = {
        "aggregation": name,
        "date": day.isoformat(),
        "timezone": "Europe/Paris",
        "points": len(series),
        "series": series,
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)


@dataclass(frozen=True)
class Written:
    aggregation: str
    points: int
    keys: tuple[str, str]


async def write_report(store: Store, names: Iterable[str], day: date) -> list[Written]:
    since, until = paris_day_bounds(day)
    written = []
    for name in sorted(names):
        points = await store.read_gold(name, since, until)
        json_key = keys.report_key(day, name, "json")
        csv_key = keys.report_key(day, name, "csv")
        await store.put_object(json_key, to_json(name, day, points), "application/json")
        await store.put_object(csv_key, to_csv(points).encode(), "text/csv; charset=utf-8")
        written.append(Written(name, len(points), (json_key, csv_key)))
    return written
