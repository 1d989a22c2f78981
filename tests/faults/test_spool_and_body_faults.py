"""A daemon started on unreadable spool files and a stale temporary file, with one source whose
answers are larger than it may read: the unreadable files are moved aside (logged, counted),
the temporary file is removed, the oversized source fails cleanly, the others collect."""

from __future__ import annotations

import gzip
import os
import urllib.request

from .helpers import Collector, Replay, free_port


def test_unreadable_spool_files_and_an_oversized_body_do_not_stop_the_daemon(
    collector: Collector, replay_upstream: Replay
) -> None:
    spool = collector.data_dir / "spool"
    spool.mkdir(parents=True)
    planted = {
        "000000000001-parking.spool": b"",
        "000000000002-parking.spool": gzip.compress(b"\x00\x00\x00\x10{not json")[:-5],
        "000000000003-traffic.spool": b"not gzip at all",
    }
    for name, body in planted.items():
        (spool / name).write_bytes(body)
    stale = spool / ".000000000004.1.2-parking.spool.1.0badcafe.tmp"
    stale.write_bytes(b"half a payload")
    old = stale.stat().st_mtime - 3600
    os.utime(stale, (old, old))

    collector.sources["parking"]["enabled"] = True
    collector.sources["traffic"].update(enabled=True, max_body_bytes=1000)
    port = free_port()
    daemon = collector.start(PARIS_HEALTH_PORT=str(port))

    failing = daemon.wait_event("source failing", "traffic")
    assert "exceeds 1000 bytes" in failing["error"], failing
    daemon.wait_event("run", "parking", where=lambda x: x["status"] == "ok" and x["written"])
    moved = daemon.wait(
        lambda: len(daemon.events("unreadable spool file quarantined")) == 3 or None,
        "three quarantined files",
    )
    assert moved
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        metrics = answer.read().decode()
    assert "paris_spool_quarantined_total 3.0" in metrics
    # Later runs still collect; the files were set aside once, not at every tick.
    mark = daemon.mark()
    replay_upstream.advance(120)
    daemon.wait_event("run", "parking", after=mark, where=lambda x: x["status"] == "ok")
    assert daemon.terminate() == 0
    assert len(daemon.events("unreadable spool file quarantined")) == 3
    assert len(daemon.events("stale temporary files removed")) == 1

    assert sorted(p.name for p in (spool / "quarantine").iterdir()) == sorted(planted)
    for name, body in planted.items():
        assert (spool / "quarantine" / name).read_bytes() == body  # kept as it was
    assert not stale.exists() and not list(spool.glob("*.spool"))
    state = collector.state("traffic")
    assert state["consecutive_failures"] >= 1 and "exceeds 1000 bytes" in state["last_error"]
    assert collector.state("parking")["consecutive_failures"] == 0
