"""Storage outages: payloads wait in the on-disk spool and land, in order, once storage is back."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from collector.daemon import Services, run_once
from collector.recovery import drain
from collector.settings import Settings
from collector.spool import Spool, SpoolFull
from collector.storage.local import LocalReader
from tests.core.conftest import Upstream, plugins_for
from tests.immutable import read_only


def test_spool_keeps_order_and_refuses_when_full(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", max_bytes=4096)
    spool.put("counter", "raw/counter/a", b"[1]", {"url": "u"}, {"w": "1"}, "t1")
    spool.put("traffic", "raw/traffic/b", b"[2]", {}, {}, "t2")
    spool.put("counter", "raw/counter/c", b"[3]", {}, {"w": "3"}, "t3")
    entries = spool.entries()
    assert [(e.source, e.raw_key, e.payload) for e in entries] == [
        ("counter", "raw/counter/a", b"[1]"),
        ("traffic", "raw/traffic/b", b"[2]"),
        ("counter", "raw/counter/c", b"[3]"),
    ]
    assert entries[0].plugin_state == {"w": "1"} and entries[0].meta == {"url": "u"}
    assert (spool.count(), spool.count("counter")) == (3, 2)
    # A new Spool object (a restarted daemon) sees the same entries and keeps numbering.
    again = Spool(tmp_path / "spool", max_bytes=4096)
    again.put("counter", "raw/counter/d", b"[4]", {}, {}, "t4")
    assert [e.raw_key for e in again.entries()][-1] == "raw/counter/d"
    with pytest.raises(SpoolFull):
        again.put("counter", "raw/counter/e", os.urandom(8000), {}, {}, "t5")
    assert again.dropped == 1 and again.count() == 4


async def test_read_only_database_loses_nothing_and_duplicates_nothing(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    app = make_app(sources={"counter": {"url": upstream.url}})
    registry, plugins = plugins_for(app)
    rows = [
        [{"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1}],
        [{"id": "a", "at": "2025-11-04T20:00:00+00:00", "value": 2}],
        [{"id": "a", "at": "2025-11-04T21:00:00+00:00", "value": 3}],
    ]
    async with Services(app, registry, plugins) as services:
        upstream.rows = rows[0]
        [first] = await run_once(services, ["counter"])
        assert first.status == "ok"
        db = app.data_dir / "paris.sqlite3"
        with read_only([db, db.with_name(db.name + "-wal")]):
            for batch in rows[1:]:
                upstream.rows = batch
                [result] = await run_once(services, ["counter"])
                assert result.status == "spooled", result.error
            assert services.spool.count("counter") == 2
            assert await drain(services.spool, services.store, registry, plugins) == (0, 2)
        done, waiting = await drain(services.spool, services.store, registry, plugins)
        assert (done, waiting) == (2, 0)
        upstream.rows = rows[2]
        [after] = await run_once(services, ["counter"])  # the same reading again: no new row
        assert after.status == "ok"
    reader = LocalReader(app.data_dir)
    history = reader.history("counter", "a", "", "~", limit=10)
    assert [item["value"] for item in history.items] == [3, 2, 1]
    assert reader.latest("counter")[0]["value"] == 3
    bronze = sorted((app.data_dir / "bronze" / "raw" / "counter").rglob("*.json.gz"))
    assert len(bronze) == 4  # every payload is in bronze, the spooled ones included
    assert reader.states()["counter"]["plugin"]["last_bytes"]
