"""A bounded on-disk spool for payloads that storage could not take.

When bronze or silver refuses a write, the run's payload, its bronze key and the plugin
state it would have saved go here (one file per payload, written atomically), and are
replayed in order once storage answers again. Because every step of a replay is idempotent
(same bronze key, upserts by record key, state saved last), replaying an entry twice, or
after a ``kill -9`` half-way, loses nothing and duplicates nothing.

When the spool is full (``PARIS_SPOOL_MAX_BYTES``) the new payload is dropped and counted;
sources with a watermark (traffic) fetch it again later because their watermark did not
move, snapshot sources (parking, departures) lose that one sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_NAME = re.compile(r"^(?P<seq>\d{12})-(?P<source>[a-z0-9_]+)\.spool$")


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


class SpoolFull(Exception):
    """The spool has no room for this payload."""


class Spool:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.dir = directory
        self.max_bytes = max_bytes
        self.dropped = 0
        self._seq = 0
        self.lock = asyncio.Lock()

    def _files(self) -> list[tuple[int, Path]]:
        if not self.dir.is_dir():
            return []
        found = []
        for path in self.dir.iterdir():
            match = _NAME.match(path.name)
            if match:
                found.append((int(match["seq"]), path))
        return sorted(found)

    def size(self) -> int:
        total = 0
        for _seq, path in self._files():
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def count(self, source: str | None = None) -> int:
        suffix = f"-{source}.spool" if source is not None else ".spool"
        return sum(1 for _seq, path in self._files() if path.name.endswith(suffix))

    def put(
        self,
        source: str,
        raw_key: str,
        payload: bytes,
        meta: dict[str, str],
        plugin_state: dict[str, str],
        fetched_at: str,
    ) -> Path:
        header = orjson.dumps(
            {"raw_key": raw_key, "meta": meta, "state": plugin_state, "fetched_at": fetched_at}
        )
        body = gzip.compress(len(header).to_bytes(4, "big") + header + payload, compresslevel=6)
        if self.size() + len(body) > self.max_bytes:
            self.dropped += 1
            raise SpoolFull(f"spool {self.dir} is full ({self.max_bytes} bytes)")
        self.dir.mkdir(parents=True, exist_ok=True)
        files = self._files()
        self._seq = max(self._seq, files[-1][0] if files else 0) + 1
        path = self.dir / f"{self._seq:012d}-{source}.spool"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path

    def entries(self) -> list[SpoolEntry]:
        out = []
        for seq, path in self._files():
            try:
                out.append(self._read(seq, path))
            except FileNotFoundError:
                continue
        return out

    @staticmethod
    def _read(seq: int, path: Path) -> SpoolEntry:
        data = gzip.decompress(path.read_bytes())
        size = int.from_bytes(data[:4], "big")
        header: dict[str, Any] = orjson.loads(data[4 : 4 + size])
        source = path.name.split("-", 1)[1].removesuffix(".spool")
        return SpoolEntry(
            path=path,
            seq=seq,
            source=source,
            raw_key=header["raw_key"],
            payload=data[4 + size :],
            meta=header["meta"],
            plugin_state=header["state"],
            fetched_at=header["fetched_at"],
        )

    @staticmethod
    def remove(entry: SpoolEntry) -> None:
        entry.path.unlink(missing_ok=True)
