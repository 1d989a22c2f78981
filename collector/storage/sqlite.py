"""The SQLite schema and queries shared by the local store (writer) and the local reader.

The tables mirror the DynamoDB layout (same keys as primary keys). WAL mode lets the API and
the dashboard read while the daemon writes.
"""

from __future__ import annotations

import operator
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from collector.storage.base import GoldPoint, Lease, Reject, Row, latest_expiry, refresh_before

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS silver (
    dataset TEXT NOT NULL, entity_id TEXT NOT NULL, observed_at TEXT NOT NULL,
    data TEXT NOT NULL, raw_key TEXT NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (dataset, entity_id, observed_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS silver_by_time ON silver (dataset, observed_at);
CREATE INDEX IF NOT EXISTS silver_by_expiry ON silver (expires_at);
CREATE TABLE IF NOT EXISTS latest (
    dataset TEXT NOT NULL, entity_id TEXT NOT NULL, observed_at TEXT NOT NULL,
    data TEXT NOT NULL, raw_key TEXT NOT NULL, expires_at INTEGER,
    PRIMARY KEY (dataset, entity_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (source TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gold (
    aggregation TEXT NOT NULL, window_end TEXT NOT NULL, window_start TEXT NOT NULL,
    ran_at TEXT NOT NULL, data TEXT NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (aggregation, window_end)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejects (
    source TEXT NOT NULL, raw_key TEXT NOT NULL, idx INTEGER NOT NULL,
    reason TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (source, raw_key, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, acquired_at TEXT NOT NULL,
    renewed_at TEXT NOT NULL, expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
"""

TABLES = ("silver", "latest", "state", "gold", "rejects", "meta", "leases")


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process; only power loss can drop the last commit.
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def create_schema(conn: sqlite3.Connection) -> list[str]:
    existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.executescript(SCHEMA)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(latest)")}
    if "expires_at" not in columns:  # databases made before the latest view could expire
        conn.execute("ALTER TABLE latest ADD COLUMN expires_at INTEGER")
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    return [f"table {t}" for t in TABLES if t not in existing]


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (the connection is in autocommit mode otherwise)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


_ROW_KEY = operator.attrgetter("dataset", "entity_id", "observed_at")


# The rows of one put are bound once, into a temporary table (a rowid table, filled in key
# order), and both tables are written from it by one INSERT ... SELECT each: one statement
# keeps its cursors open across rows where executemany restarts it per row, and the rows are
# bound once instead of once per table. Measured on an hour of traffic: put_rows' CPU time
# ~25% lower (bench/analysis.py). JSON instead (json_each over one array) parses slower
# than the binding it saves on SQLite 3.40. The temporary table is not kept in memory
# (temp_store): past SQLite's page cache a nightly batch spills to its temporary file, where
# an in-memory one would keep its peak size for the connection's life.
_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS incoming (dataset TEXT NOT NULL, entity_id TEXT NOT NULL,"
    " observed_at TEXT NOT NULL, data TEXT NOT NULL, raw_key TEXT NOT NULL,"
    " latest_expires INTEGER)"
)
_STAGE_ROW = "INSERT INTO temp.incoming VALUES (?, ?, ?, ?, ?, ?)"
_UNSTAGE = "DELETE FROM temp.incoming"
_STAGED = (
    " SELECT dataset, entity_id, observed_at, data, raw_key, {expiry} FROM temp.incoming"
    # WHERE true: without it "ON CONFLICT" would parse as a join constraint (SQLite's upsert rule)
    " WHERE true ORDER BY rowid"
)

# An unchanged record is not written again (``skip_unchanged``): the history row is only
# rewritten when its content differs or its expiry is near (``refresh_before``), the latest
# row when its content or expiry differs. Each statement's rowcount then counts the rows
# actually written.
_HISTORY_REPLACE = (
    "INSERT OR REPLACE INTO silver (dataset, entity_id, observed_at, data, raw_key, expires_at)"
    + _STAGED.format(expiry=":expires")
)
_HISTORY_UPSERT = (
    "INSERT INTO silver (dataset, entity_id, observed_at, data, raw_key, expires_at)"
    + _STAGED.format(expiry=":expires")
    + " ON CONFLICT (dataset, entity_id, observed_at) DO UPDATE SET"
    " data = excluded.data, raw_key = excluded.raw_key, expires_at = excluded.expires_at"
    " WHERE silver.data IS NOT excluded.data OR silver.expires_at < :refresh"
)
_LATEST_UPSERT = (
    "INSERT INTO latest (dataset, entity_id, observed_at, data, raw_key, expires_at)"
    + _STAGED.format(expiry="latest_expires")
    + " ON CONFLICT (dataset, entity_id) DO UPDATE SET"
    " observed_at = excluded.observed_at, data = excluded.data,"
    " raw_key = excluded.raw_key, expires_at = excluded.expires_at"
    " WHERE excluded.observed_at >= latest.observed_at"
)
_LATEST_CHANGED = (
    " AND (latest.observed_at IS NOT excluded.observed_at OR latest.data IS NOT excluded.data"
    " OR latest.expires_at IS NOT excluded.expires_at)"
)


def put_rows(
    conn: sqlite3.Connection,
    rows: Sequence[Row],
    *,
    history: bool,
    expires_at: int,
    latest_ttl: int | None = None,
    skip_unchanged: bool = True,
) -> int:
    """Write the history and the latest view from the same serialised rows, in one
    transaction; return the rows written (with ``skip_unchanged``, the unchanged ones not)."""
    if not rows:
        return 0
    # In key order: each B-tree page is visited once instead of at random (measured ~40%
    # faster for an hour of traffic, see docs/benchmarks.md).
    ordered = sorted(rows, key=_ROW_KEY)
    staged: list[tuple[str, str, str, str, str, int | None]]
    if latest_ttl is None:
        staged = [
            (r.dataset, r.entity_id, r.observed_at, r.text(), r.raw_key, None) for r in ordered
        ]
    else:
        expiry = _latest_expiry(latest_ttl)
        staged = [
            (r.dataset, r.entity_id, r.observed_at, r.text(), r.raw_key, expiry(r.observed_at))
            for r in ordered
        ]
    with transaction(conn):
        conn.execute(_STAGE)
        conn.executemany(_STAGE_ROW, staged)
        history_written = 0
        if history:
            sql = _HISTORY_UPSERT if skip_unchanged else _HISTORY_REPLACE
            args = {"expires": expires_at, "refresh": refresh_before(expires_at)}
            history_written = conn.execute(sql, args).rowcount
        latest = _LATEST_UPSERT + (_LATEST_CHANGED if skip_unchanged else "")
        latest_written = conn.execute(latest).rowcount
        conn.execute(_UNSTAGE)
    # A row counts as written when its history row was (or, without history, its latest row).
    return min(len(rows), max(history_written, latest_written))


def _latest_expiry(ttl: int) -> Callable[[str], int | None]:
    """``latest_expiry`` for one put: the rows of a payload share a few observation times."""

    @cache
    def expiry(observed_at: str) -> int | None:
        return latest_expiry(observed_at, ttl)

    return expiry


def latest_can_expire(conn: sqlite3.Connection) -> bool:
    """False on a database from before the latest view could expire, not yet migrated by the
    daemon (a read-only reader cannot migrate it)."""
    return "expires_at" in {r[1] for r in conn.execute("PRAGMA table_info(latest)")}


def read_latest(
    conn: sqlite3.Connection, dataset: str, *, expiring: bool = True
) -> list[dict[str, Any]]:
    if not expiring:
        cur = conn.execute(
            "SELECT data FROM latest WHERE dataset = ? ORDER BY entity_id", (dataset,)
        )
        return [orjson.loads(r[0]) for r in cur]
    cur = conn.execute(
        "SELECT data FROM latest WHERE dataset = ? AND (expires_at IS NULL OR expires_at >= ?)"
        " ORDER BY entity_id",
        (dataset, int(time.time())),
    )
    return [orjson.loads(r[0]) for r in cur]


def read_window(
    conn: sqlite3.Connection, dataset: str, since: str, until: str
) -> list[dict[str, Any]]:
    cur = conn.execute(
        "SELECT data FROM silver WHERE dataset = ? AND observed_at > ? AND observed_at <= ?"
        " ORDER BY observed_at, entity_id",
        (dataset, since, until),
    )
    return [orjson.loads(r[0]) for r in cur]


def read_history(
    conn: sqlite3.Connection,
    dataset: str,
    entity_id: str,
    since: str,
    until: str,
    limit: int,
) -> list[tuple[dict[str, Any], str]]:
    """Each row's data with its key's ``observed_at`` (what pages resume from: the data need
    not repeat it, as a ledger entry does not)."""
    cur = conn.execute(
        "SELECT data, observed_at FROM silver WHERE dataset = ? AND entity_id = ?"
        " AND observed_at >= ? AND observed_at <= ? ORDER BY observed_at DESC LIMIT ?",
        (dataset, entity_id, since, until, limit),
    )
    return [(orjson.loads(r[0]), str(r[1])) for r in cur]


def get_state(conn: sqlite3.Connection, source: str) -> dict[str, Any]:
    row = conn.execute("SELECT data FROM state WHERE source = ?", (source,)).fetchone()
    return dict(orjson.loads(row[0])) if row else {}


def all_states(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    return {r[0]: orjson.loads(r[1]) for r in conn.execute("SELECT source, data FROM state")}


def put_state(conn: sqlite3.Connection, source: str, state: Any) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO state (source, data) VALUES (?, ?)", (source, dumps(state))
        )


def _lease(row: Sequence[Any]) -> Lease:
    return Lease(row[0], row[1], row[2], row[3], int(row[4]))


def acquire_lease(
    conn: sqlite3.Connection, name: str, holder: str, now_ms: int, duration_ms: int
) -> Lease:
    """Take or renew a lease; BEGIN IMMEDIATE makes the read and the write one atomic step
    against any other process on the same database."""
    with transaction(conn):
        row = conn.execute(
            "SELECT name, holder, acquired_at, renewed_at, expires_ms FROM leases WHERE name = ?",
            (name,),
        ).fetchone()
        if row is not None and row[1] != holder and int(row[4]) > now_ms:
            return _lease(row)
        since = row[2] if row is not None and row[1] == holder else None
        lease = Lease.granted(name, holder, now_ms=now_ms, duration_ms=duration_ms, since=since)
        conn.execute(
            "INSERT OR REPLACE INTO leases (name, holder, acquired_at, renewed_at, expires_ms)"
            " VALUES (?, ?, ?, ?, ?)",
            (lease.name, lease.holder, lease.acquired_at, lease.renewed_at, lease.expires_ms),
        )
    return lease


def release_lease(conn: sqlite3.Connection, name: str, holder: str) -> bool:
    with transaction(conn):
        cur = conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
    return bool(cur.rowcount)


def list_leases(conn: sqlite3.Connection) -> list[Lease]:
    cur = conn.execute(
        "SELECT name, holder, acquired_at, renewed_at, expires_ms FROM leases ORDER BY name"
    )
    return [_lease(r) for r in cur]


def put_gold(conn: sqlite3.Connection, point: GoldPoint, expires_at: int) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO gold"
            " (aggregation, window_end, window_start, ran_at, data, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                point.aggregation,
                point.window_end,
                point.window_start,
                point.ran_at,
                dumps(point.data),
                expires_at,
            ),
        )


def read_gold(
    conn: sqlite3.Connection,
    aggregation: str,
    since: str,
    until: str,
    *,
    newest_first: bool = False,
    limit: int = -1,
) -> list[GoldPoint]:
    order = "DESC" if newest_first else "ASC"
    cur = conn.execute(
        "SELECT aggregation, window_start, window_end, ran_at, data FROM gold"
        " WHERE aggregation = ? AND window_end >= ? AND window_end <= ?"
        f" ORDER BY window_end {order} LIMIT ?",
        (aggregation, since, until, limit),
    )
    return [GoldPoint(r[0], r[1], r[2], r[3], orjson.loads(r[4])) for r in cur]


def put_rejects(conn: sqlite3.Connection, rejects: Iterable[Reject]) -> None:
    with transaction(conn):
        conn.executemany(
            "INSERT OR REPLACE INTO rejects (source, raw_key, idx, reason, data, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(r.source, r.raw_key, r.index, r.reason, dumps(r.data), r.at) for r in rejects],
        )


def list_rejects(conn: sqlite3.Connection, source: str | None) -> list[Reject]:
    sql = "SELECT source, raw_key, idx, reason, data, at FROM rejects"
    args: tuple[str, ...] = ()
    if source is not None:
        sql += " WHERE source = ?"
        args = (source,)
    cur = conn.execute(sql + " ORDER BY raw_key, idx", args)
    return [Reject(r[0], r[1], r[2], r[3], orjson.loads(r[4]), r[5]) for r in cur]


def delete_rejects(conn: sqlite3.Connection, rejects: Iterable[Reject]) -> None:
    with transaction(conn):
        conn.executemany(
            "DELETE FROM rejects WHERE source = ? AND raw_key = ? AND idx = ?",
            [(r.source, r.raw_key, r.index) for r in rejects],
        )


def purge_expired(conn: sqlite3.Connection, now: int) -> int:
    with transaction(conn):
        removed = conn.execute("DELETE FROM silver WHERE expires_at < ?", (now,)).rowcount
        removed += conn.execute("DELETE FROM gold WHERE expires_at < ?", (now,)).rowcount
        removed += conn.execute("DELETE FROM latest WHERE expires_at < ?", (now,)).rowcount
    return int(removed)
