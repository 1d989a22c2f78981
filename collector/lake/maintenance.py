"""The lake's daily care: compaction, retention, expired snapshots, unreferenced files.

A merge already leaves one data file per day it touched; compaction catches the rest (a day
written by another engine, a retention delete that split a file) by rewriting any day with
more than :data:`MAX_FILES_PER_DAY` files. Snapshots older than ``keep`` are expired (time
travel reaches that far back), then the files no snapshot refers to any more are deleted,
only once they are older than ``keep`` so that a write in flight is never touched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pyarrow.compute as pc
from pyarrow import fs as pafs
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.table import Table

from collector.lake.tables import TableSpec, day_range, purge_before

MAX_FILES_PER_DAY = 4
KEEP = timedelta(days=1)


@dataclass
class MaintenanceReport:
    compacted_days: int = 0
    expired_snapshots: int = 0
    deleted_files: int = 0
    purged: bool = False


def maintain(
    table: Table,
    spec: TableSpec,
    *,
    now: datetime | None = None,
    keep: timedelta = KEEP,
    retention_days: int | None = None,
) -> MaintenanceReport:
    now = now or datetime.now(UTC)
    report = MaintenanceReport()
    if retention_days is not None:
        purge_before(table, spec.time_column, now - timedelta(days=retention_days))
        report.purged = True
    report.compacted_days = compact(table, spec)
    before = len(table.metadata.snapshots)
    table.maintenance.expire_snapshots().older_than(now - keep).commit()
    table.refresh()
    report.expired_snapshots = before - len(table.metadata.snapshots)
    report.deleted_files = delete_unreferenced(table, older_than=now - keep)
    return report


def files_per_day(table: Table, spec: TableSpec) -> Counter[datetime]:
    """How many data files each day partition of the current snapshot has."""
    if table.current_snapshot() is None:
        return Counter()
    files = table.inspect.files()
    if files.num_rows == 0:
        return Counter()
    field = f"{spec.time_column}_day"
    days: Counter[datetime] = Counter()
    for partition in files["partition"].to_pylist():
        value = partition.get(field) if partition else None
        if value is None:
            continue
        day = value if isinstance(value, datetime) else _epoch_day(value)
        days[day] += 1
    return days


def _epoch_day(value: Any) -> datetime:
    if hasattr(value, "year"):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=int(value))


def compact(table: Table, spec: TableSpec) -> int:
    """Rewrite, one commit each, the days that have more than a few files."""
    crowded = sorted(d for d, n in files_per_day(table, spec).items() if n > MAX_FILES_PER_DAY)
    for day in crowded:
        where = day_range([day], spec.time_column)
        rows = table.scan(row_filter=where).to_arrow()
        with table.transaction() as tx:
            tx.overwrite(rows, overwrite_filter=where)
    return len(crowded)


def _referenced(table: Table) -> set[str]:
    paths: set[str] = set()
    if table.metadata.snapshots:
        paths.update(table.inspect.all_files()["file_path"].to_pylist())
        paths.update(table.inspect.all_manifests()["path"].to_pylist())
    paths.update(s.manifest_list for s in table.metadata.snapshots if s.manifest_list)
    paths.add(table.metadata_location)
    paths.update(entry.metadata_file for entry in table.metadata.metadata_log)
    return {_strip(p) for p in paths}


def _strip(uri: str) -> str:
    parsed = urlparse(uri)
    return parsed.path if parsed.scheme in ("", "file") else f"{parsed.netloc}{parsed.path}"


def delete_unreferenced(table: Table, *, older_than: datetime) -> int:
    """Delete the table's files that no snapshot or metadata refers to, if old enough."""
    location = table.location()
    parsed = urlparse(location)
    io = table.io if isinstance(table.io, PyArrowFileIO) else PyArrowFileIO(table.io.properties)
    filesystem: pafs.FileSystem = io.fs_by_scheme(parsed.scheme or "file", parsed.netloc)
    root = _strip(location)
    referenced = _referenced(table)
    deleted = 0
    for folder in ("data", "metadata"):
        selector = pafs.FileSelector(f"{root}/{folder}", recursive=True, allow_not_found=True)
        for info in filesystem.get_file_info(selector):
            if info.type != pafs.FileType.File or info.path in referenced:
                continue
            modified = info.mtime
            if modified is not None and modified.replace(tzinfo=UTC) > older_than:
                continue
            filesystem.delete_file(info.path)
            deleted += 1
    return deleted


def row_count(table: Table) -> int:
    return int(pc.sum(table.inspect.files()["record_count"]).as_py() or 0)
