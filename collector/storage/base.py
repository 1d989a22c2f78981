"""One storage interface, two backends (files + SQLite, S3 + DynamoDB), identical behaviour.

:class:`Store` is the daemon's asynchronous side (it writes); :class:`Reader` is the readers'
synchronous side (the API and the dashboard only read). Both backends are held to the same
behaviour by ``tests/storage/test_conformance.py``.
"""

from __future__ import annotations

import base64
import binascii
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import orjson

from collector import keys


class StorageError(Exception):
    """Storage could not take or give data (unreachable, throttled, read-only...)."""


class StoreMissing(StorageError):
    """Storage answers, but this store was never created (no bucket, table or database)."""


class BadCursor(ValueError):
    """A pagination token that this reader did not issue."""


@dataclass(frozen=True, slots=True)
class Row:
    """A silver record as stored: its dataset, key, JSON data and the bronze object it came from.

    ``data_json`` is ``data`` already serialised (orjson's text), when the writer has it (ingest
    does): the stores write and compare it instead of serialising ``data`` again.
    """

    dataset: str
    entity_id: str
    observed_at: str
    data: Mapping[str, Any]
    raw_key: str
    data_json: str | None = None

    def text(self) -> str:
        """``data`` as JSON text, the same whoever serialised it."""
        if self.data_json is not None:
            return self.data_json
        return orjson.dumps(self.data).decode()


@dataclass(frozen=True, slots=True)
class Reject:
    """A record set aside by the parser, with its reason and a pointer to its raw payload."""

    source: str
    raw_key: str
    index: int
    reason: str
    data: Any
    at: str


@dataclass(frozen=True, slots=True)
class GoldPoint:
    """One run of an aggregation: its result for one window."""

    aggregation: str
    window_start: str
    window_end: str
    ran_at: str
    data: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The point as the readers serve it."""
        return {
            "aggregation": self.aggregation,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "ran_at": self.ran_at,
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next: str | None = None


@dataclass(frozen=True, slots=True)
class RawObject:
    key: str
    body: bytes
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lease:
    """Who runs a job (a source, the aggregations, the daily report) until when.

    Times come from the writer's clock: ``expires_ms`` is epoch milliseconds, the others are
    key timestamps. A lease past ``expires_ms`` is free for anyone to take.
    """

    name: str
    holder: str
    acquired_at: str
    renewed_at: str
    expires_ms: int

    def expired(self, now_ms: int) -> bool:
        return self.expires_ms <= now_ms

    @classmethod
    def granted(
        cls, name: str, holder: str, *, now_ms: int, duration_ms: int, since: str | None = None
    ) -> Lease:
        """The lease ``holder`` gets at ``now_ms``; ``since`` is when a renewed one was taken."""
        stamp = keys.ts(datetime.fromtimestamp(now_ms / 1000, UTC))
        return cls(name, holder, since or stamp, stamp, now_ms + duration_ms)


REFRESH_MARGIN_S = 86_400


def refresh_before(expires_at: int, now: float | None = None) -> int:
    """An unchanged history record is written again when its stored expiry is before this.

    Skipping identical writes means a record re-polled for weeks keeps the expiry of its first
    write; without a refresh it would expire (and DynamoDB's TTL delete it) while still
    served. So it is rewritten once its stored expiry is within a day of the wall clock, or
    within half of the retention when that is shorter (``expires_at`` is the expiry this write
    would give it). An expiry already past is always rewritten.
    """
    wall = int(time.time() if now is None else now)
    return wall + min(REFRESH_MARGIN_S, max(0, expires_at - wall) // 2)


def latest_expiry(observed_at: str, ttl: int | None) -> int | None:
    """When an entity leaves the latest view (epoch seconds), or ``None`` for never."""
    if ttl is None:
        return None
    return int(keys.parse_ts(observed_at).timestamp()) + ttl


def encode_cursor(position: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, orjson.JSONDecodeError, ValueError, UnicodeEncodeError):
        raise BadCursor("not a pagination token issued by this API") from None
    if not isinstance(value, dict):
        raise BadCursor("not a pagination token issued by this API")
    return value


class Store(ABC):
    """The daemon's storage: bronze objects, silver rows, state, rejects and gold points."""

    skip_unchanged: bool = True
    """``put_rows`` writes no record identical to the one stored under its key (history and
    latest view; see :func:`refresh_before` for the one exception). False writes every row
    (to measure what the skip saves)."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Open long-lived connections and clients."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; always called, even after a failure."""

    @abstractmethod
    async def init(self) -> list[str]:
        """Create buckets, tables, indexes (idempotent); return what was created."""

    @abstractmethod
    async def check(self) -> None:
        """Raise :class:`StorageError` unless every part of storage answers."""

    # bronze -----------------------------------------------------------------
    @abstractmethod
    async def put_raw(self, key: str, body: bytes, meta: Mapping[str, str]) -> None:
        """Store a gzip body under ``key`` (never overwritten by the daemon)."""

    @abstractmethod
    async def get_raw(self, key: str) -> RawObject:
        """Return a stored object; raise ``KeyError`` if it does not exist."""

    @abstractmethod
    async def list_raw(self, prefix: str) -> list[str]:
        """Every key under ``prefix``, in key (= time) order."""

    @abstractmethod
    async def put_object(self, key: str, body: bytes, content_type: str) -> None:
        """Store a non-raw object (reports) under ``key``, overwriting it."""

    # silver -----------------------------------------------------------------
    @abstractmethod
    async def put_rows(
        self,
        rows: Sequence[Row],
        *,
        history: bool,
        expires_at: int,
        latest_ttl: int | None = None,
    ) -> int:
        """Upsert rows by key (idempotent). ``history`` keeps every observation, else only
        the latest view is written. The latest view never goes back in time; with
        ``latest_ttl`` (seconds) an entity leaves it that long after its observation time.
        A row identical to the stored one (same key and data) is not written again
        (``skip_unchanged``). Returns rows written, the unchanged ones not counted."""

    @abstractmethod
    async def read_latest(self, dataset: str) -> list[dict[str, Any]]:
        """The latest record of each entity of a dataset (expired ones left out)."""

    @abstractmethod
    async def read_window(
        self, dataset: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        """Every record observed in ``(since, until]``, in time order."""

    @abstractmethod
    async def put_rejects(self, rejects: Sequence[Reject]) -> None:
        """Set records aside with their reason."""

    @abstractmethod
    async def list_rejects(self, source: str | None = None) -> list[Reject]:
        """Records set aside, oldest raw payload first."""

    @abstractmethod
    async def delete_rejects(self, rejects: Sequence[Reject]) -> None:
        """Forget records once replayed."""

    # state ------------------------------------------------------------------
    @abstractmethod
    async def get_state(self, source: str) -> dict[str, Any]:
        """A source's saved state (``{}`` if none)."""

    @abstractmethod
    async def put_state(self, source: str, state: Mapping[str, Any]) -> None:
        """Replace a source's saved state."""

    # leases -----------------------------------------------------------------
    @abstractmethod
    async def acquire_lease(
        self, name: str, holder: str, *, now_ms: int, duration_ms: int
    ) -> Lease:
        """Take or renew the lease ``name`` for ``holder`` until ``now_ms + duration_ms``, if
        it is absent, expired (``expires_ms <= now_ms``) or already ``holder``'s; atomically
        (a conditional write), so two daemons never both win. Returns the lease as stored:
        ``holder``'s if won (``acquired_at`` kept across renewals), else the other holder's."""

    @abstractmethod
    async def release_lease(self, name: str, holder: str) -> bool:
        """Give the lease up if ``holder`` has it (else do nothing); True if it was released."""

    @abstractmethod
    async def list_leases(self) -> list[Lease]:
        """Every lease stored, expired ones included, by name."""

    # gold -------------------------------------------------------------------
    @abstractmethod
    async def put_gold(self, point: GoldPoint, *, expires_at: int) -> None:
        """Store one aggregation result; the same window overwrites."""

    @abstractmethod
    async def read_gold(self, aggregation: str, since: str, until: str) -> list[GoldPoint]:
        """An aggregation's points with ``since <= window_end <= until``, oldest first."""

    async def purge_expired(self, now: int) -> int:
        """Delete what outlived its retention (backends with a native TTL do nothing)."""
        return 0


class Reader(ABC):
    """Read-only access for the API and the dashboard (synchronous: Lambda, Streamlit)."""

    @abstractmethod
    def check(self) -> None:
        """Raise :class:`StorageError` unless storage answers."""

    @abstractmethod
    def latest(self, dataset: str) -> list[dict[str, Any]]:
        """The latest record of each entity, ordered by entity id."""

    @abstractmethod
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
        """One entity's records with ``since <= observed_at <= until``, newest first."""

    @abstractmethod
    def gold(
        self, aggregation: str, since: str, until: str, *, limit: int, cursor: str | None = None
    ) -> Page:
        """Gold points with ``since <= window_end <= until``, newest first."""

    @abstractmethod
    def gold_latest(self, aggregation: str) -> dict[str, Any] | None:
        """The newest gold point of an aggregation."""

    @abstractmethod
    def states(self) -> dict[str, dict[str, Any]]:
        """Every source's saved state, by source name."""

    def state(self, source: str) -> dict[str, Any]:
        """One source's saved state (``{}`` if none): what an answer's freshness reads, so a
        wrapper (masking) treats one state, not every source's."""
        return self.states().get(source, {})

    @abstractmethod
    def get_object(self, key: str) -> bytes | None:
        """The body of a stored object (a latest snapshot, a report), None when there is none
        (or the backend was given no bucket)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
