"""One writer per data dir: an exclusive ``flock`` on ``<data_dir>/collector.lock``.

The commands that write silver, the source state or the spool (``run``, ``once``, ``replay``,
``dlq replay``) take it for the life of the process; a second one on the same data dir is
refused, with the holder (host, pid, command, start time) that the first wrote into the file.
The kernel drops the lock with the process, ``kill -9`` included, so a stale file never
blocks a restart. Readers (``status``, ``check``, ``api``, ``dashboard``...) never take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

LOCK_NAME = "collector.lock"


class LockHeld(Exception):
    """Another process writes to this data dir."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        self.path = path
        self.holder = holder
        super().__init__(f"{path} is locked by {describe(holder)}")


def describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "another process (no holder recorded yet)"
    return (
        f"pid {holder.get('pid', '?')} on {holder.get('hostname', '?')}"
        f" ({holder.get('command', '?')}, since {holder.get('started_at', '?')})"
    )


def read_holder(path: Path) -> dict[str, Any]:
    """What the holder wrote into the lock file; ``{}`` if nothing readable."""
    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def live_holder(data_dir: Path) -> dict[str, Any] | None:
    """The holder of the lock if it looks alive (for ``status``; never takes the lock).

    The file outlives a killed holder, so a holder on this host whose pid is gone is none.
    """
    holder = read_holder(data_dir / LOCK_NAME)
    if not holder:
        return None
    if holder.get("hostname") == socket.gethostname() and isinstance(holder.get("pid"), int):
        try:
            os.kill(holder["pid"], 0)
        except ProcessLookupError:
            return None
        except PermissionError:  # alive, another user's
            pass
    return holder


class DataDirLock:
    """An exclusive lock on a data dir, held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, data_dir: Path, command: str) -> None:
        self.path = data_dir / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(self.path, read_holder(self.path)) from None
        except BaseException:
            os.close(fd)
            raise
        holder = {
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "command": self.command,
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        # Written in place (not by rename): the lock belongs to this inode.
        os.ftruncate(fd, 0)
        os.pwrite(fd, orjson.dumps(holder) + b"\n", 0)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor drops the flock


@contextlib.contextmanager
def data_dir_lock(data_dir: Path, command: str) -> Iterator[DataDirLock]:
    lock = DataDirLock(data_dir, command)
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()
