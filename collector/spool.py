"""A bounded on-disk spool for payloads that storage could not take.

When bronze or silver refuses a write, the run's payload, its bronze key and the plugin
state it would have saved go here (one file per payload, written atomically), and are
replayed in order once storage answers again. Because every step of a replay is idempotent
(same bronze key, upserts by record key, state saved last), replaying an entry twice, or
after a ``kill -9`` half-way, loses nothing and duplicates nothing.

When the spool is full (``PARIS_SPOOL_MAX_BYTES``) the new payload is dropped and counted;
sources with a watermark (traffic) fetch it again later because their watermark did not
move, snapshot sources (parking, departures) lose that one sample.

A file that cannot be read back (empty, truncated, not gzip, a bad header) is moved into
``quarantine/`` beside the entries, logged once and counted: it no longer holds the other
payloads back, and it is kept for the operator to look at.

File names are ``<sequence>.<pid>.<random>-<source>.spool``: the sequence keeps the replay in
write order, the pid and random part keep two processes writing at once from ever choosing
the same name (``<sequence>-<source>.spool``, the earlier form, is still read).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import re
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from collector.atomic_write import remove_stale, write_atomic
from collector.logs import get_logger

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

_NAME = re.compile(r"^(?P<seq>\d{12})(?P<writer>(?:\.[0-9a-z]+)*)-(?P<source>[a-z0-9_]+)\.spool$")
QUARANTINE = "quarantine"


def _log() -> FilteringBoundLogger:
    # Bound when used, not at import: a logger bound early keeps the logging set-up of then.
    return get_logger(component="spool")


@dataclass(frozen=True)
class SpoolEntry:
    path: Path
    seq: int
    source: str
    raw_key: str
    payload: bytes
    meta: dict[str, str]
    plugin_state: dict[str, str]
    fetched_at: str
    before: dict[str, Any] | None = None
    expect_records: bool = False


class SpoolFull(Exception):
    """The spool has no room for this payload."""


class CorruptEntry(Exception):
    """A spool file that does not decode into an entry."""


class Spool:
    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        *,
        on_quarantine: Callable[[], None] | None = None,
        writer: bool = True,
    ) -> None:
        """``writer=False`` for a reader (``status``): it never removes a temporary file,
        which may be a live write of the daemon in another process or container."""
        self.dir = directory
        self.max_bytes = max_bytes
        self.dropped = 0
        self.quarantined = 0
        self.on_quarantine = on_quarantine
        self._seq = 0
        # Files that could not even be moved aside: skipped, so they hold nothing back.
        self._unmovable: set[str] = set()
        self.lock = asyncio.Lock()
        if writer:
            self._remove_stale_tmp()

    @property
    def quarantine_dir(self) -> Path:
        return self.dir / QUARANTINE

    def _files(self) -> list[tuple[int, str, str, Path]]:
        """(sequence, writer, source, path) of each entry, in write order."""
        if not self.dir.is_dir():
            return []
        found = []
        for path in self.dir.iterdir():
            match = _NAME.match(path.name)
            if match and path.name not in self._unmovable:
                found.append((int(match["seq"]), match["writer"], match["source"], path))
        return sorted(found)

    def size(self) -> int:
        total = 0
        for *_key, path in self._files():
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def count(self, source: str | None = None) -> int:
        return sum(1 for _seq, _w, name, _p in self._files() if source in (None, name))

    def quarantine_count(self) -> int:
        """Files set aside so far, by any process (what the operator has to look at)."""
        folder = self.quarantine_dir
        if not folder.is_dir():
            return 0
        return sum(1 for path in folder.iterdir() if path.is_file())

    def put(
        self,
        source: str,
        raw_key: str,
        payload: bytes,
        meta: dict[str, str],
        plugin_state: dict[str, str],
        fetched_at: str,
        *,
        before: dict[str, Any] | None = None,
        expect_records: bool = False,
    ) -> Path:
        """Spool one payload. ``before`` is the cursor it was fetched from: its own cursor
        (``plugin_state``) is applied on replay only over that same cursor, and only if it
        stored something when ``expect_records`` says it should have."""
        header = orjson.dumps(
            {
                "raw_key": raw_key,
                "meta": meta,
                "state": plugin_state,
                "fetched_at": fetched_at,
                "before": before,
                "expect_records": expect_records,
            }
        )
        body = gzip.compress(len(header).to_bytes(4, "big") + header + payload, compresslevel=6)
        if self.size() + len(body) > self.max_bytes:
            self.dropped += 1
            raise SpoolFull(f"spool {self.dir} is full ({self.max_bytes} bytes)")
        self.dir.mkdir(parents=True, exist_ok=True)
        files = self._files()
        self._seq = max(self._seq, files[-1][0] if files else 0) + 1
        writer = f"{os.getpid()}.{secrets.token_hex(4)}"
        path = self.dir / f"{self._seq:012d}.{writer}-{source}.spool"
        write_atomic(path, body)
        return path

    def entries(self) -> list[SpoolEntry]:
        """The entries, oldest first; a file that does not decode is quarantined instead."""
        out = []
        for seq, _writer, source, path in self._files():
            try:
                out.append(self._read(seq, source, path))
            except FileNotFoundError:  # replayed and removed by another process meanwhile
                continue
            except (OSError, CorruptEntry) as exc:
                self._quarantine(path, exc)
        return out

    @staticmethod
    def _read(seq: int, source: str, path: Path) -> SpoolEntry:
        raw = path.read_bytes()
        if not raw:
            raise CorruptEntry("empty file")
        try:
            data = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:  # truncated, or not gzip at all
            raise CorruptEntry(f"not a whole gzip stream: {exc}") from None
        size = int.from_bytes(data[:4], "big")
        if len(data) < 4 or 4 + size > len(data):
            raise CorruptEntry(f"header of {size} bytes in a body of {len(data)}")
        try:
            header: Any = orjson.loads(data[4 : 4 + size])
        except orjson.JSONDecodeError as exc:
            raise CorruptEntry(f"header is not JSON: {exc}") from None
        if not (
            isinstance(header, dict)
            and isinstance(header.get("raw_key"), str)
            and isinstance(header.get("fetched_at"), str)
            and isinstance(header.get("meta"), dict)
            and isinstance(header.get("state"), dict)
        ):
            raise CorruptEntry("header lacks raw_key, meta, state or fetched_at")
        return SpoolEntry(
            path=path,
            seq=seq,
            source=source,
            raw_key=header["raw_key"],
            payload=data[4 + size :],
            meta=header["meta"],
            plugin_state=header["state"],
            fetched_at=header["fetched_at"],
            # Written since the cursor chain is checked; older files have neither.
            before=header.get("before") if isinstance(header.get("before"), dict) else None,
            expect_records=header.get("expect_records") is True,
        )

    def _quarantine(self, path: Path, exc: BaseException) -> None:
        reason = str(exc) or type(exc).__name__
        target = self.quarantine_dir / path.name
        try:
            self.quarantine_dir.mkdir(exist_ok=True)
            n = 0
            while target.exists():  # an earlier file of the same name, kept as well
                n += 1
                target = self.quarantine_dir / f"{path.name}.{n}"
            os.replace(path, target)
        except FileNotFoundError:
            return
        except OSError as move_error:
            self._unmovable.add(path.name)
            _log().error(
                "unreadable spool file skipped: it cannot be moved aside",
                path=str(path),
                reason=reason,
                error=str(move_error),
            )
        else:
            _log().warning("unreadable spool file quarantined", path=str(target), reason=reason)
        self.quarantined += 1
        if self.on_quarantine is not None:
            self.on_quarantine()

    def _remove_stale_tmp(self) -> None:
        removed = remove_stale([self.dir], recursive=False)
        if removed:
            _log().warning(
                "stale temporary files removed", folder=str(self.dir), files=len(removed)
            )

    @staticmethod
    def remove(entry: SpoolEntry) -> None:
        entry.path.unlink(missing_ok=True)
