"""SQLite put_rows stages a put's rows in a temporary table, then fills both tables from it.

What the staging must not change: rows of several datasets and raw keys in one put, a key
twice in one put, the latest view's expiry per row, and a put that fails leaving nothing
behind, neither in the tables nor staged for the next put.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector import keys
from collector.storage import sqlite as db
from collector.storage.base import Row

T0 = datetime(2025, 11, 4, 19, 0, tzinfo=UTC)
EXPIRES = 2_000_000_000


def row(dataset: str, entity: str, at: datetime, raw: str = "raw/a", **data: Any) -> Row:
    observed = keys.ts(at)
    return Row(dataset, entity, observed, {"id": entity, "observed_at": observed, **data}, raw)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = db.connect(tmp_path / "paris.sqlite3")
    db.create_schema(connection)
    return connection


def table(conn: sqlite3.Connection, name: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        f"SELECT dataset, entity_id, observed_at, raw_key, expires_at FROM {name}"
        " ORDER BY dataset, entity_id, observed_at"
    ).fetchall()


def test_one_put_of_mixed_rows_lands_as_separate_puts_would(conn: sqlite3.Connection) -> None:
    later = T0 + timedelta(hours=1)
    rows = [
        row("trains", "t1", later, "raw/b", delay=3),
        row("traffic", "a1", T0, q=1),
        row("trains", "t1", T0, "raw/a", delay=1),  # older: history only
        row("traffic", "a1", T0, q=2),  # the same key again: the later row wins
    ]
    written = db.put_rows(conn, rows, history=True, expires_at=EXPIRES, latest_ttl=3600)

    assert written == 4  # every row that changed a row counts, the repeated key's twice
    assert table(conn, "silver") == [
        ("traffic", "a1", keys.ts(T0), "raw/a", EXPIRES),
        ("trains", "t1", keys.ts(T0), "raw/a", EXPIRES),
        ("trains", "t1", keys.ts(later), "raw/b", EXPIRES),
    ]
    # Each latest row expires an hour after its own observation.
    assert table(conn, "latest") == [
        ("traffic", "a1", keys.ts(T0), "raw/a", int(T0.timestamp()) + 3600),
        ("trains", "t1", keys.ts(later), "raw/b", int(later.timestamp()) + 3600),
    ]
    assert db.read_latest(conn, "traffic", expiring=False) == [rows[3].data]
    # Nothing stays staged, and the stored rows again write nothing.
    assert conn.execute("SELECT count(*) FROM temp.incoming").fetchone() == (0,)
    stored = [rows[0], rows[2], rows[3]]
    assert db.put_rows(conn, stored, history=True, expires_at=EXPIRES, latest_ttl=3600) == 0


def test_a_failed_put_leaves_nothing_behind(conn: sqlite3.Connection) -> None:
    good = row("traffic", "a1", T0, q=1)
    # Staged after ``good`` (key order), then refused by the staging table's NOT NULL.
    broken = Row("traffic", "a2", keys.ts(T0), {"q": 2}, None)  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        db.put_rows(conn, [good, broken], history=True, expires_at=EXPIRES)
    assert table(conn, "silver") == [] and table(conn, "latest") == []

    other = row("traffic", "a3", T0, q=3)
    assert db.put_rows(conn, [other], history=True, expires_at=EXPIRES) == 1
    assert [r[1] for r in table(conn, "silver")] == ["a3"]
    assert [r[1] for r in table(conn, "latest")] == ["a3"]


def test_latest_only_and_full_rewrite_modes(conn: sqlite3.Connection) -> None:
    arcs = [row("traffic.arcs", f"a{i}", T0, shape=i) for i in range(3)]
    assert db.put_rows(conn, arcs, history=False, expires_at=EXPIRES) == 3
    assert table(conn, "silver") == []
    assert db.put_rows(conn, arcs, history=False, expires_at=EXPIRES) == 0

    counts = [row("traffic", f"a{i}", T0, q=i) for i in range(3)]
    assert db.put_rows(conn, counts, history=True, expires_at=EXPIRES) == 3
    # Without the skip, identical rows are written again (what the benchmarks compare).
    rewritten = db.put_rows(conn, counts, history=True, expires_at=EXPIRES, skip_unchanged=False)
    assert rewritten == 3
