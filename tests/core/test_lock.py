"""One writer per data dir: a second ``run`` (or ``once``, ``replay``, ``dlq replay``) on the
data dir of a running daemon is refused with exit 2 naming the holder; readers are not; the
lock is free again once the daemon stops, and after a ``kill -9`` too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.faults.helpers import AGGREGATIONS, Collector, Replay


@pytest.fixture
def collector(tmp_path: Path, replay_upstream: Replay) -> Iterator[Collector]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARIS_", "AWS_"))}
    env.update(
        replay_upstream.env(),
        PARIS_DATA_DIR=str(tmp_path / "data"),
        PARIS_LOG_FORMAT="json",
        PARIS_HEALTH_PORT="0",
        PARIS_HTTP_RETRIES="0",
        PARIS_JITTER="0",
        **{f"PARIS_AGGREGATIONS__{name.upper()}__ENABLED": "false" for name in AGGREGATIONS},
    )
    sources = {
        "parking": {"enabled": True, "interval": 1},
        "traffic": {"enabled": False},
        "departures": {"enabled": False},
        "velib": {"enabled": False},
    }
    deployment = Collector(tmp_path, env, sources)
    yield deployment
    for daemon in deployment.daemons:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(timeout=10)


def test_second_writer_refused_naming_the_holder_readers_allowed_lock_freed(
    collector: Collector,
) -> None:
    first = collector.start()
    first.wait_event("run", "parking", where=lambda x: x["status"] == "ok")
    pid = first.proc.pid

    second = collector.cli("run")
    assert second.returncode == 2, second.stderr
    assert f"in use by pid {pid} on " in second.stderr
    assert "(run, since " in second.stderr and "one writer per data dir" in second.stderr
    assert "Traceback" not in second.stderr
    for writer in (["once", "parking"], ["replay", "parking"], ["dlq", "replay"]):
        refused = collector.cli(*writer)
        assert refused.returncode == 2, (writer, refused.stdout, refused.stderr)
        assert f"in use by pid {pid} on " in refused.stderr

    # Readers work beside the daemon, and say who writes.
    status = collector.cli("status")
    assert status.returncode == 0, status.stderr
    assert f"writer lock: held by pid {pid} on " in status.stdout
    as_json = orjson.loads(collector.cli("status", "--json").stdout)
    assert as_json["writer_lock"]["pid"] == pid and as_json["writer_lock"]["command"] == "run"
    # Locally uncontested, but the same code path as on AWS: the source's and the lake's.
    leases = {lease["name"]: lease for lease in as_json["leases"]}
    assert set(leases) == {"source:parking", "lake"}
    for lease in leases.values():
        assert lease["holder"].endswith(f":{pid}") and not lease["expired"]
    for reader in (["check"], ["dlq", "list"], ["plugins"]):
        assert collector.cli(*reader).returncode == 0, reader
    assert first.proc.poll() is None  # none of this disturbed the daemon

    # Stopped: the lock and the leases are free, and the next writer runs.
    assert first.terminate() == 0
    assert sorted(x["lease"] for x in first.events("lease released")) == ["lake", "source:parking"]
    once = collector.cli("once", "parking")
    assert once.returncode == 0, once.stderr
    freed = collector.cli("status", "--json")
    assert orjson.loads(freed.stdout)["writer_lock"] is None
    assert orjson.loads(freed.stdout)["leases"] == []

    # kill -9 leaves the lock file behind, but the kernel dropped the lock with the process.
    killed = collector.start()
    killed.wait_event("daemon started")
    killed.kill()
    assert (collector.data_dir / "collector.lock").is_file()
    assert "writer lock: free" in collector.cli("status").stdout
    again = collector.start()
    # Its lease too: locally the lock proves its holder dead, so it is not waited out.
    again.wait_event("run", "parking", where=lambda x: x["status"] == "ok", timeout=20)
    cleared = again.events("stale lease cleared")
    assert sorted(x["lease"] for x in cleared) == ["lake", "source:parking"]
    assert all(x["holder"].endswith(f":{killed.proc.pid}") for x in cleared)
    assert again.terminate() == 0
