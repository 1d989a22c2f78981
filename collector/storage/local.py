"""The embedded default: bronze as files (exactly the S3 key layout), silver and gold in SQLite.

SQLite calls run on one dedicated thread so the event loop never blocks on disk and the
connection is only ever used from one thread.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
from structlog.typing import FilteringBoundLogger

from collector import keys
from collector.atomic_write import remove_stale, write_atomic
from collector.logs import get_logger
from collector.storage import sqlite as db
from collector.storage.base import (
    GoldPoint,
    Lease,
    Page,
    RawObject,
    Reader,
    Reject,
    Row,
    StorageError,
    Store,
)
from collector.storage.paging import newest_first_page, resume_until

T = TypeVar("T")
META_SUFFIX = ".meta.json"


def _log() -> FilteringBoundLogger:
    # Bound when used, not at import: a logger bound early keeps the logging set-up of then.
    return get_logger(component="storage")


def _write_atomic(path: Path, body: bytes) -> None:
    write_atomic(path, body)  # its temporary file is removed if the write or rename fails


class LocalStore(Store):
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir
        self.bronze = data_dir / "bronze"
        self.db_path = data_dir / "paris.sqlite3"
        self._conn: sqlite3.Connection | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._created: list[str] = []
        self._stale = False

    def missing(self) -> list[Path]:
        """The parts of this store that do not exist, found without creating any.

        :meth:`open` creates the database (the daemon starts on a fresh data dir), so a
        command that only reads asks this first: a mistyped data dir must stay absent.
        """
        return [path for path in (self.root, self.db_path) if not path.exists()]

    async def open(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            self._conn = await self._call(lambda: db.connect(self.db_path))
            # The daemon must start on a fresh data dir without a separate init step.
            self._created = await self._call(lambda: db.create_schema(self.conn))
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open the local database {self.db_path}: {exc}") from exc
        await self._remove_stale_tmp()

    async def _remove_stale_tmp(self) -> None:
        """Temporary files a killed writer left in bronze (and reports) would stay forever."""
        removed = await asyncio.to_thread(lambda: remove_stale([self.bronze], recursive=True))
        if removed:
            _log().warning(
                "stale temporary files removed",
                folder=str(self.bronze),
                files=len(removed),
                first=str(removed[0]),
            )

    async def close(self) -> None:
        if self._conn is not None:
            conn = self._conn
            await self._call(conn.close)
            self._conn = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError("the local store is not open")
        return self._conn

    async def _call(self, fn: Callable[[], T]) -> T:
        if self._pool is None:
            raise StorageError("the local store is not open")
        loop = asyncio.get_running_loop()

        def call() -> T:
            if self._conn is None and self._stale:
                self._conn = db.connect(self.db_path)
                self._stale = False
            return fn()

        try:
            return await loop.run_in_executor(self._pool, call)
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) and self._conn is not None:
                # After a disk error a connection may stay unusable: the next call opens anew.
                conn, self._conn, self._stale = self._conn, None, True
                await loop.run_in_executor(self._pool, conn.close)
            raise StorageError(f"local database {self.db_path}: {exc}") from exc

    async def _io(self, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(fn)
        except OSError as exc:
            raise StorageError(f"local bronze {self.bronze}: {exc}") from exc

    async def init(self) -> list[str]:
        created, self._created = self._created, []
        for path in (self.root, self.bronze):
            if not path.exists():
                path.mkdir(parents=True)
                created.append(f"directory {path}")
        created += await self._call(lambda: db.create_schema(self.conn))
        return created

    async def check(self) -> None:
        await self._call(lambda: self.conn.execute("SELECT count(*) FROM state").fetchone())

        def probe() -> None:
            self.bronze.mkdir(parents=True, exist_ok=True)
            if not os.access(self.bronze, os.W_OK):
                raise OSError(f"{self.bronze} is not writable")

        await self._io(probe)

    # bronze -----------------------------------------------------------------
    async def put_raw(self, key: str, body: bytes, meta: Mapping[str, str]) -> None:
        path = self.bronze / key

        def write() -> None:
            _write_atomic(path.with_name(path.name + META_SUFFIX), orjson.dumps(dict(meta)))
            _write_atomic(path, body)

        await self._io(write)

    async def get_raw(self, key: str) -> RawObject:
        path = self.bronze / key

        def read() -> RawObject:
            if not path.is_file():
                raise KeyError(key)
            meta_path = path.with_name(path.name + META_SUFFIX)
            meta = orjson.loads(meta_path.read_bytes()) if meta_path.is_file() else {}
            return RawObject(key=key, body=path.read_bytes(), meta=meta)

        try:
            return await asyncio.to_thread(read)
        except OSError as exc:
            raise StorageError(f"local bronze {self.bronze}: {exc}") from exc

    async def list_raw(self, prefix: str) -> list[str]:
        def walk() -> list[str]:
            base = self.bronze
            start = base / prefix.rsplit("/", 1)[0] if "/" in prefix else base
            if not start.exists():
                return []
            found = []
            for dirpath, _dirs, files in os.walk(start):
                for name in files:
                    if name.endswith(META_SUFFIX) or name.startswith("."):
                        continue
                    key = Path(dirpath, name).relative_to(base).as_posix()
                    if key.startswith(prefix):
                        found.append(key)
            return sorted(found)

        return await self._io(walk)

    async def put_object(self, key: str, body: bytes, content_type: str) -> None:
        await self._io(lambda: _write_atomic(self.bronze / key, body))

    # silver -----------------------------------------------------------------
    async def put_rows(
        self,
        rows: Sequence[Row],
        *,
        history: bool,
        expires_at: int,
        latest_ttl: int | None = None,
    ) -> int:
        return await self._call(
            lambda: db.put_rows(
                self.conn,
                rows,
                history=history,
                expires_at=expires_at,
                latest_ttl=latest_ttl,
                skip_unchanged=self.skip_unchanged,
            )
        )

    async def read_latest(self, dataset: str) -> list[dict[str, Any]]:
        return await self._call(lambda: db.read_latest(self.conn, dataset))

    async def read_window(
        self, dataset: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        lo, hi = keys.ts(since), keys.ts(until)
        return await self._call(lambda: db.read_window(self.conn, dataset, lo, hi))

    async def put_rejects(self, rejects: Sequence[Reject]) -> None:
        await self._call(lambda: db.put_rejects(self.conn, rejects))

    async def list_rejects(self, source: str | None = None) -> list[Reject]:
        return await self._call(lambda: db.list_rejects(self.conn, source))

    async def delete_rejects(self, rejects: Sequence[Reject]) -> None:
        await self._call(lambda: db.delete_rejects(self.conn, rejects))

    # state ------------------------------------------------------------------
    async def get_state(self, source: str) -> dict[str, Any]:
        return await self._call(lambda: db.get_state(self.conn, source))

    async def put_state(self, source: str, state: Mapping[str, Any]) -> None:
        await self._call(lambda: db.put_state(self.conn, source, dict(state)))

    # leases -----------------------------------------------------------------
    async def acquire_lease(
        self, name: str, holder: str, *, now_ms: int, duration_ms: int
    ) -> Lease:
        return await self._call(
            lambda: db.acquire_lease(self.conn, name, holder, now_ms, duration_ms)
        )

    async def release_lease(self, name: str, holder: str) -> bool:
        return await self._call(lambda: db.release_lease(self.conn, name, holder))

    async def list_leases(self) -> list[Lease]:
        return await self._call(lambda: db.list_leases(self.conn))

    # gold -------------------------------------------------------------------
    async def put_gold(self, point: GoldPoint, *, expires_at: int) -> None:
        await self._call(lambda: db.put_gold(self.conn, point, expires_at))

    async def read_gold(self, aggregation: str, since: str, until: str) -> list[GoldPoint]:
        return await self._call(lambda: db.read_gold(self.conn, aggregation, since, until))

    async def purge_expired(self, now: int) -> int:
        return await self._call(lambda: db.purge_expired(self.conn, now))


class LocalReader(Reader):
    """Reads the SQLite database read-only; safe beside a writing daemon (WAL)."""

    def __init__(self, data_dir: Path) -> None:
        self.db_path = data_dir / "paris.sqlite3"
        self.bronze = data_dir / "bronze"
        self._conn: sqlite3.Connection | None = None
        self._expiring: bool | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            if not self.db_path.is_file():
                raise StorageError(
                    f"no database at {self.db_path}: run 'paris-collector init' or start the daemon"
                )
            try:
                self._conn = db.connect(self.db_path, readonly=True)
            except sqlite3.Error as exc:
                raise StorageError(f"cannot open {self.db_path}: {exc}") from exc
        return self._conn

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self.conn)
        except sqlite3.Error as exc:
            raise StorageError(f"local database {self.db_path}: {exc}") from exc

    def check(self) -> None:
        self._run(lambda c: c.execute("SELECT count(*) FROM state").fetchone())

    def latest(self, dataset: str) -> list[dict[str, Any]]:
        if self._expiring is None:
            self._expiring = self._run(db.latest_can_expire)
        expiring = self._expiring
        return self._run(lambda c: db.read_latest(c, dataset, expiring=expiring))

    def history(
        self,
        dataset: str,
        entity_id: str,
        since: str,
        until: str,
        *,
        limit: int,
        cursor: str | None = None,
    ) -> Page:
        until = resume_until(until, cursor)
        items = self._run(lambda c: db.read_history(c, dataset, entity_id, since, until, limit + 1))
        return newest_first_page(items, limit)

    def gold(
        self, aggregation: str, since: str, until: str, *, limit: int, cursor: str | None = None
    ) -> Page:
        until = resume_until(until, cursor)
        points = self._run(
            lambda c: db.read_gold(c, aggregation, since, until, newest_first=True, limit=limit + 1)
        )
        return newest_first_page([(p.as_dict(), p.window_end) for p in points], limit)

    def gold_latest(self, aggregation: str) -> dict[str, Any] | None:
        page = self.gold(aggregation, "", "~", limit=1)
        return page.items[0] if page.items else None

    def states(self) -> dict[str, dict[str, Any]]:
        return self._run(db.all_states)

    def get_object(self, key: str) -> bytes | None:
        try:
            return (self.bronze / key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"local bronze {self.bronze}: {exc}") from exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
