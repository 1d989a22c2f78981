"""Files written whole or not at all: a temporary file beside the target, renamed over it.

A write or rename that fails (a full disk, a read-only folder) removes its temporary file
and raises the same error, so nothing is left behind. A process killed mid-write (``kill
-9``, power loss) cannot clean up: :func:`remove_stale` clears what it left at the next
start, sparing the files of a writer that may still be alive.

A temporary file is named ``.<target name>.<pid>.<random>.tmp``: unique across processes
(two writers never share one), hidden from listings of the targets, and it tells which
process wrote it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

TMP_SUFFIX = ".tmp"
STALE_AFTER_S = 300.0
"""A temporary file untouched for this long belongs to no live write (a write of the largest
payload takes seconds)."""

_WRITER = re.compile(r"\.(?P<pid>\d+)(?:\.[0-9a-f]{8})?\.tmp$")


def tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def write_atomic(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` durably: readers see the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    created = False
    try:
        # O_EXCL: never write into a file another process holds, whatever its name.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        raise


def remove_stale(
    folders: Iterable[Path], *, recursive: bool, older_than: float = STALE_AFTER_S
) -> list[Path]:
    """Remove the temporary files crashed writers left in ``folders``; return them.

    A file goes if the process named in it is gone, or if nobody touched it for
    ``older_than`` seconds; any other may be a live write, and stays. Never raises: a file
    that cannot be removed is left for the next start.
    """
    removed: list[Path] = []
    now = time.time()
    for folder in folders:
        for path in _tmp_files(folder, recursive):
            try:
                age = now - path.stat().st_mtime
                if age > older_than or _writer_gone(path.name):
                    path.unlink()
                    removed.append(path)
            except OSError:  # renamed by its live writer meanwhile, or not ours to remove
                continue
    return removed


def _tmp_files(folder: Path, recursive: bool) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    if not recursive:
        return [p for p in folder.iterdir() if p.name.endswith(TMP_SUFFIX) and p.is_file()]
    found: list[Path] = []
    for root, _dirs, files in os.walk(folder):
        found.extend(Path(root) / name for name in files if name.endswith(TMP_SUFFIX))
    return found


def _writer_gone(name: str) -> bool:
    match = _WRITER.search(name)
    if match is None:
        return False
    pid = int(match["pid"])
    # Our own pid may be a live write of this process (or a recycled pid): age decides.
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by another user
        return False
    return False
