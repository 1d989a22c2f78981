"""The local schema across versions: readers cope with a database not migrated yet."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collector.storage.local import LocalReader


def test_a_reader_on_a_database_made_before_the_latest_view_could_expire(
    tmp_path: Path,
) -> None:
    # The layout of 0.1.0 development databases: no expires_at in the latest view.
    conn = sqlite3.connect(tmp_path / "paris.sqlite3")
    conn.execute(
        "CREATE TABLE latest (dataset TEXT NOT NULL, entity_id TEXT NOT NULL,"
        " observed_at TEXT NOT NULL, data TEXT NOT NULL, raw_key TEXT NOT NULL,"
        " PRIMARY KEY (dataset, entity_id)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO latest VALUES ('traffic', 'a', '2025-11-04T19:00:00Z', '{\"q\": 1}', 'raw/x')"
    )
    conn.commit()
    conn.close()
    assert LocalReader(tmp_path).latest("traffic") == [{"q": 1}]
