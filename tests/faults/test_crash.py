"""Crash safety and a local storage outage, one daemon life after another: ``kill -9`` while an
export downloads and right after bronze was written; a restart; the SQLite database turned
read-only and back; SIGTERM while an export downloads slowly. Nothing is lost, nothing is
written twice."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from tests.immutable import read_only

from .helpers import (
    Collector,
    Replay,
    payload_runs,
    published_hour,
    silver_keys,
    traffic_keys,
    wait_in_flight,
    wait_spooled,
)

N_ARCS = 2977


def bronze_files(collector: Collector) -> set[Path]:
    return set((collector.data_dir / "bronze" / "raw" / "traffic").rglob("*.json.gz"))


def test_kill_9_twice_read_only_database_then_sigterm_mid_fetch(
    collector: Collector, replay_upstream: Replay
) -> None:
    collector.sources["traffic"]["enabled"] = True
    first = published_hour(replay_upstream)
    daemon = collector.start()
    daemon.wait_event("run", "traffic", where=lambda x: x["written"] > 0)
    watermark = collector.state("traffic")["plugin"]["watermark"]

    # 1. kill -9 while the export of a new hour is downloading.
    slow = replay_upstream.fault("slow", match="/exports/json", delay=30)
    replay_upstream.advance(hours=1)
    wait_in_flight(replay_upstream, slow)
    daemon.kill()
    replay_upstream.remove_fault(slow)
    assert collector.state("traffic")["plugin"]["watermark"] == watermark

    # 2. kill -9 the moment the raw payload is in bronze: three hours to parse and write.
    replay_upstream.advance(hours=2)
    before = bronze_files(collector)
    daemon = collector.start()
    deadline = time.monotonic() + 60
    while not bronze_files(collector) - before:
        assert time.monotonic() < deadline and daemon.proc.poll() is None, daemon.poll()[-5:]
        time.sleep(0.005)
    daemon.kill()
    # The kill landed between bronze and silver: the cursor did not move, no row was written.
    assert collector.state("traffic")["plugin"]["watermark"] == watermark
    assert len(collector.silver("traffic")) == N_ARCS
    assert len(bronze_files(collector) - before) == 1

    # 3. Restart: the three hours land.
    daemon = collector.start()
    daemon.wait_event("run", "traffic", where=lambda x: x["written"] == 3 * N_ARCS, timeout=60)

    # 4. The database turns read-only while an hour is published: the payload is spooled,
    # fetched once, and lands when the database is writable again.
    db = collector.db
    mark = daemon.mark()
    with read_only([db, db.with_name(db.name + "-wal")]):
        replay_upstream.advance(hours=1)
        failing = daemon.wait_event("source failing", "traffic", after=mark)
        assert failing["status"] == "spooled", failing
        wait_spooled(daemon, "traffic", mark)
    daemon.wait_event("spooled payload stored", after=mark)
    recovered = daemon.wait_event("source recovered", "traffic", after=mark)
    assert recovered["status"] in ("ok", "unchanged")
    # The stored cursor lagged behind the spooled payload, yet the hour was fetched once.
    assert [x["raw_key"] for x in payload_runs(daemon, "traffic")[1:]] == [failing["raw_key"]]

    # 5. SIGTERM while an export is slow: the run is drained within PARIS_DRAIN_TIMEOUT and
    # the daemon exits 0.
    slow = replay_upstream.fault("slow", match="/exports/json", delay=1.5)
    replay_upstream.advance(hours=1)
    wait_in_flight(replay_upstream, slow)
    stopping = time.monotonic()
    assert daemon.terminate() == 0
    assert time.monotonic() - stopping < 5 + 2
    [stopped] = daemon.events("daemon stopped")
    assert stopped["cancelled"] == 0 and stopped["done"] >= 1
    drained = daemon.events("run", "traffic")[-1]
    assert (drained["status"], drained["written"]) == ("ok", N_ARCS)

    # Zero lost, zero duplicates: silver holds every published hour once.
    last = published_hour(replay_upstream)
    got = silver_keys(collector.silver("traffic"))
    assert Counter(got).most_common(1)[0][1] == 1
    assert set(got) == traffic_keys(replay_upstream, first, last)
    assert (last - first).total_seconds() == 5 * 3600
    assert not list((collector.data_dir / "spool").glob("*.spool"))
    assert not [x for x in daemon.lines if "exception" in x or x["event"] == "<not json>"]
