"""Storage that never keeps nor hands out a secret: a :class:`Store` and a :class:`Reader`
wrapped by :func:`collector.storage.make_store` / :func:`collector.storage.make_reader`.

An upstream may echo a credential (an Opendatasoft 401 quoting the API key, a Navitia error
quoting the token). Masking at the storage boundary covers every writer (``run``, ``once``,
``replay``, ``dlq replay``, the spool replay) and every reader (``status``, the API's
``/sources``, the dashboard) at once, including state written before masking existed.

What is masked (:mod:`collector.secrets`):

- bronze metadata on ``put_raw``; the payload itself is masked earlier, by the runner, before
  it is hashed, spooled or stored (:func:`collector.secrets.mask_fetched`), so the gzip body is
  not decompressed again here;
- state on ``put_state`` and ``get_state``, rejects (reason and data) on ``put_rejects`` and
  ``list_rejects``, reader ``states()``.

Silver rows are parsed from the masked payload and gold is computed from silver: both pass
through untouched, which keeps the hot path free of any scan.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from collector.secrets import mask_text, mask_value
from collector.storage.base import (
    GoldPoint,
    Lease,
    Page,
    RawObject,
    Reader,
    Reject,
    Row,
    Store,
)


def _reject(reject: Reject) -> Reject:
    return replace(reject, reason=mask_text(reject.reason), data=mask_value(reject.data))


class MaskingStore(Store):
    """Masks what it is given, then delegates to the backend's store."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        # Backend extras (write counters, clients) stay reachable through the wrapper.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def init(self) -> list[str]:
        return await self.inner.init()

    async def check(self) -> None:
        await self.inner.check()

    async def put_raw(self, key: str, body: bytes, meta: Mapping[str, str]) -> None:
        await self.inner.put_raw(key, body, {k: mask_text(v) for k, v in meta.items()})

    async def get_raw(self, key: str) -> RawObject:
        return await self.inner.get_raw(key)

    async def list_raw(self, prefix: str) -> list[str]:
        return await self.inner.list_raw(prefix)

    async def put_object(self, key: str, body: bytes, content_type: str) -> None:
        await self.inner.put_object(key, body, content_type)

    async def put_rows(
        self,
        rows: Sequence[Row],
        *,
        history: bool,
        expires_at: int,
        latest_ttl: int | None = None,
    ) -> int:
        return await self.inner.put_rows(
            rows, history=history, expires_at=expires_at, latest_ttl=latest_ttl
        )

    async def read_latest(self, dataset: str) -> list[dict[str, Any]]:
        return await self.inner.read_latest(dataset)

    async def read_window(
        self, dataset: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        return await self.inner.read_window(dataset, since, until)

    async def put_rejects(self, rejects: Sequence[Reject]) -> None:
        await self.inner.put_rejects([_reject(r) for r in rejects])

    async def list_rejects(self, source: str | None = None) -> list[Reject]:
        return [_reject(r) for r in await self.inner.list_rejects(source)]

    async def delete_rejects(self, rejects: Sequence[Reject]) -> None:
        # By key (raw key and index), which masking does not change.
        await self.inner.delete_rejects(rejects)

    async def get_state(self, source: str) -> dict[str, Any]:
        state: dict[str, Any] = mask_value(await self.inner.get_state(source))
        return state

    async def put_state(self, source: str, state: Mapping[str, Any]) -> None:
        await self.inner.put_state(source, mask_value(dict(state)))

    async def acquire_lease(
        self, name: str, holder: str, *, now_ms: int, duration_ms: int
    ) -> Lease:
        return await self.inner.acquire_lease(name, holder, now_ms=now_ms, duration_ms=duration_ms)

    async def release_lease(self, name: str, holder: str) -> bool:
        return await self.inner.release_lease(name, holder)

    async def list_leases(self) -> list[Lease]:
        return await self.inner.list_leases()

    async def put_gold(self, point: GoldPoint, *, expires_at: int) -> None:
        await self.inner.put_gold(point, expires_at=expires_at)

    async def read_gold(self, aggregation: str, since: str, until: str) -> list[GoldPoint]:
        return await self.inner.read_gold(aggregation, since, until)

    async def purge_expired(self, now: int) -> int:
        return await self.inner.purge_expired(now)


class MaskingReader(Reader):
    """Masks the saved states the API and the dashboard serve (silver and gold pass through)."""

    def __init__(self, inner: Reader) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def check(self) -> None:
        self.inner.check()

    def latest(self, dataset: str) -> list[dict[str, Any]]:
        return self.inner.latest(dataset)

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
        return self.inner.history(dataset, entity_id, since, until, limit=limit, cursor=cursor)

    def gold(
        self, aggregation: str, since: str, until: str, *, limit: int, cursor: str | None = None
    ) -> Page:
        return self.inner.gold(aggregation, since, until, limit=limit, cursor=cursor)

    def gold_latest(self, aggregation: str) -> dict[str, Any] | None:
        return self.inner.gold_latest(aggregation)

    def states(self) -> dict[str, dict[str, Any]]:
        states: dict[str, dict[str, Any]] = mask_value(self.inner.states())
        return states

    def state(self, source: str) -> dict[str, Any]:
        state: dict[str, Any] = mask_value(self.inner.state(source))
        return state

    def get_object(self, key: str) -> bytes | None:
        # Snapshots hold silver records, parsed from masked payloads: nothing to mask.
        return self.inner.get_object(key)

    def close(self) -> None:
        self.inner.close()


def _pass_through(cls: type[Any], base: type[Any]) -> None:
    """A method added to the interface later is delegated as is (unmasked) rather than
    making the wrapper abstract; masking it, if it carries text, is a review of this file."""
    for name in getattr(base, "__abstractmethods__", ()):
        if name in cls.__dict__:
            continue

        def delegate(self: Any, *args: Any, _name: str = name, **kwargs: Any) -> Any:
            return getattr(self.inner, _name)(*args, **kwargs)

        delegate.__name__ = name
        setattr(cls, name, delegate)
    abc.update_abstractmethods(cls)


_pass_through(MaskingStore, Store)
_pass_through(MaskingReader, Reader)
