"""Spool files that cannot be read back, two processes writing one spool, and writes that fail
half-way: unreadable files are moved aside and the sources go on, no payload is lost, no
temporary file is left behind."""

from __future__ import annotations

import errno
import gzip
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from structlog.testing import capture_logs

from collector.daemon import Services, run_once
from collector.settings import Settings
from collector.spool import Spool
from collector.storage.local import LocalReader
from tests.core.conftest import Upstream, plugins_for

ROOT = Path(__file__).resolve().parents[2]


def _framed(header: bytes, payload: bytes = b"[]") -> bytes:
    return gzip.compress(len(header).to_bytes(4, "big") + header + payload)


GOOD_HEADER = orjson.dumps({"raw_key": "raw/counter/x", "meta": {}, "state": {}, "fetched_at": "t"})
UNREADABLE = {
    "empty": b"",
    "not gzip": b"this is not a gzip stream",
    "truncated gzip": _framed(GOOD_HEADER)[:-12],
    "header not JSON": _framed(b"{not json"),
    "header a list": _framed(b"[1, 2]"),
    "header without raw_key": _framed(orjson.dumps({"meta": {}, "state": {}, "fetched_at": "t"})),
    "header longer than the file": gzip.compress((10**6).to_bytes(4, "big") + b"{}"),
    "shorter than its length prefix": gzip.compress(b"\x00\x01"),
}


def _plant(folder: Path, seq: int, source: str, body: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{seq:012d}-{source}.spool"  # the earlier naming, still read
    path.write_bytes(body)
    return path


def test_each_unreadable_file_is_quarantined_once_and_the_good_ones_still_come_back(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "spool"
    planted = {
        reason: _plant(folder, n, "counter", body)
        for n, (reason, body) in enumerate(UNREADABLE.items(), start=1)
    }
    spool = Spool(folder, max_bytes=1 << 20)
    spool.put("counter", "raw/counter/good", b"[7]", {"url": "u"}, {"w": "7"}, "t7")
    assert spool.count("counter") == len(UNREADABLE) + 1
    with capture_logs() as logs:
        entries = spool.entries()
        again = spool.entries()
    assert [(e.raw_key, e.payload) for e in entries] == [("raw/counter/good", b"[7]")]
    assert [e.raw_key for e in again] == ["raw/counter/good"]
    warnings = [e for e in logs if e["event"] == "unreadable spool file quarantined"]
    assert len(warnings) == len(UNREADABLE)  # once per file, not at every replay
    assert all(w["reason"] for w in warnings)
    assert {Path(w["path"]).name for w in warnings} == {p.name for p in planted.values()}
    # Moved aside byte for byte, for the operator to look at; no longer holding anything back.
    for reason, path in planted.items():
        assert not path.exists()
        assert (spool.quarantine_dir / path.name).read_bytes() == UNREADABLE[reason]
    assert spool.quarantined == spool.quarantine_count() == len(UNREADABLE)
    assert spool.count("counter") == 1


def test_a_file_that_cannot_be_moved_aside_is_skipped_and_logged_once(tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    bad = _plant(folder, 1, "counter", b"")
    (folder / "quarantine").write_text("a file where the folder should be")
    spool = Spool(folder, max_bytes=1 << 20)
    spool.put("counter", "raw/counter/good", b"[1]", {}, {}, "t")
    with capture_logs() as logs:
        assert [e.raw_key for e in spool.entries()] == ["raw/counter/good"]
        assert [e.raw_key for e in spool.entries()] == ["raw/counter/good"]
    skipped = [e for e in logs if e["event"].startswith("unreadable spool file skipped")]
    assert len(skipped) == 1 and skipped[0]["path"] == str(bad)
    assert bad.exists() and spool.count("counter") == 1  # it holds the source back no longer


async def test_unreadable_spool_files_do_not_stop_the_sources(
    make_app: Callable[..., Settings],
    upstream: Upstream,
) -> None:
    app = make_app(sources={"counter": {"url": upstream.url}})
    registry, plugins = plugins_for(app)
    spooled = orjson.dumps([{"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1}])
    _plant(app.spool_dir, 1, "counter", b"")
    _plant(app.spool_dir, 2, "counter", UNREADABLE["truncated gzip"])
    Spool(app.spool_dir, app.spool_max_bytes).put(
        "counter", "raw/counter/2025/11/04/spooled.json", spooled, {}, {"w": "1"}, "t"
    )
    _plant(app.spool_dir, 99, "counter", UNREADABLE["header not JSON"])
    upstream.rows = [{"id": "a", "at": "2025-11-04T20:00:00+00:00", "value": 2}]
    async with Services(app, registry, plugins) as services:
        [first] = await run_once(services, ["counter"])
        [second] = await run_once(services, ["counter"])
        quarantined = services.metrics.registry.get_sample_value("paris_spool_quarantined_total")
    assert (first.status, first.written, second.status) == ("ok", 1, "ok"), first.error
    assert quarantined == 3
    history = LocalReader(app.data_dir).history("counter", "a", "", "~", limit=10)
    assert [item["value"] for item in history.items] == [2, 1]  # the good spooled one landed
    assert not list(app.spool_dir.glob("*.spool"))

    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    env.update(PARIS_DATA_DIR=str(app.data_dir), PARIS_PLUGIN_DIR=str(app.plugin_dir))

    def status(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "collector.cli", "status", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    doc = orjson.loads(status("--json"))
    assert doc["spool"] == {"entries": 0, "bytes": 0, "quarantined": 3}
    assert f"3 unreadable in {app.spool_dir / 'quarantine'}" in status()


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from collector.spool import Spool

    folder, name, count, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    spool = Spool(folder, max_bytes=1 << 30)
    while not Path(start).exists():  # both writers begin together
        time.sleep(0.001)
    for i in range(count):
        spool.put("counter", f"raw/{name}/{i:05d}", f"{name}-{i}".encode(), {}, {"i": str(i)}, "t")
    """
)


def test_two_processes_writing_one_spool_at_once_lose_nothing(tmp_path: Path) -> None:
    folder, start, count = tmp_path / "spool", tmp_path / "go", 300
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), name, str(count), str(start)], env=env
        )
        for name in ("a", "b")
    ]
    start.touch()
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    entries = Spool(folder, max_bytes=1 << 30).entries()
    assert len(entries) == 2 * count
    for name in ("a", "b"):
        mine = [e for e in entries if e.raw_key.startswith(f"raw/{name}/")]
        # Every payload is there, whole, and each writer's come back in the order written.
        assert [e.payload for e in mine] == [f"{name}-{i}".encode() for i in range(count)]
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))


FULL_DISK = textwrap.dedent(
    """
    import asyncio, errno, os, resource, sys
    from pathlib import Path
    from collector.spool import Spool
    from collector.storage.local import LocalStore

    root, big = Path(sys.argv[1]), os.urandom(1 << 20)  # random: gzip cannot shrink it

    async def main() -> None:
        store = LocalStore(root / "data")
        await store.open()
        # From now on a file may grow to 64 KiB: past it, write() fails with EFBIG, as a
        # full disk fails it with ENOSPC.
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))
        try:
            Spool(root / "spool", max_bytes=1 << 30).put("counter", "k", big, {}, {}, "t")
        except OSError as exc:
            print("spool", exc.errno)
        try:
            await store.put_raw("raw/counter/2025/big.json.gz", big, {"source": "counter"})
        except Exception as exc:  # the store's own error, as before
            print("bronze", type(exc).__name__, exc.__cause__.errno)
        try:
            await store.put_object("reports/2025-11-04/a.json", big, "application/json")
        except Exception as exc:
            print("report", type(exc).__name__, exc.__cause__.errno)
        finally:
            await store.close()

    asyncio.run(main())
    """
)


def test_a_write_that_fails_half_way_leaves_no_temporary_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    efbig = errno.EFBIG
    assert done.stdout.split("\n")[:3] == [
        f"spool {efbig}",
        f"bronze StorageError {efbig}",
        f"report StorageError {efbig}",
    ]
    left = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".tmp"]
    assert left == []
    assert not list((tmp_path / "spool").glob("*.spool"))


def test_a_rename_that_fails_leaves_no_temporary_file(tmp_path: Path) -> None:
    from collector.atomic_write import write_atomic

    target = tmp_path / "report.json"
    target.mkdir()  # a folder where the file goes: the rename fails after the full write
    (target / "inside").write_text("x")
    # The same error as ever: the caller (the store, the spool) decides what it means.
    with pytest.raises(IsADirectoryError):
        write_atomic(target, b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


async def test_stale_temporary_files_of_dead_writers_are_removed_at_start(
    tmp_path: Path,
) -> None:
    from collector.storage.local import LocalStore

    dead, live = _dead_pid(), os.getpid()
    day = tmp_path / "data" / "bronze" / "raw" / "counter" / "2025" / "11" / "04"
    spool = tmp_path / "data" / "spool"
    for folder in (day, spool):
        folder.mkdir(parents=True)
    stale = [
        day / f".1900.json.gz.{dead}.0badcafe.tmp",  # its writer is gone
        day / f".1800.json.gz.{dead}.tmp",  # the earlier naming
        spool / f".000000000003.1.2-counter.spool.{dead}.00c0ffee.tmp",
        spool / "000000000002-counter.tmp",  # the earlier spool naming, no pid: by age
    ]
    young_live = [
        day / f".2000.json.gz.{live}.0abcdef0.tmp",  # a live writer (this process) at work
        spool / f".000000000004.1.2-counter.spool.{live}.01234567.tmp",
    ]
    for path in stale + young_live:
        path.write_bytes(b"partial")
    old = os.stat(stale[3]).st_mtime - 3600
    os.utime(stale[3], (old, old))
    kept = day / "1900.json.gz"
    kept.write_bytes(b"a whole payload")

    with capture_logs() as logs:
        Spool(spool, max_bytes=1 << 20)
        store = LocalStore(tmp_path / "data")
        await store.open()
        await store.close()
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in young_live) and kept.exists()
    removed = [e for e in logs if e["event"] == "stale temporary files removed"]
    assert sorted(e["files"] for e in removed) == [2, 2]
