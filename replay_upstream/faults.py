"""Fault injection and the request log, driven by the ``/_replay/`` admin endpoints.

A fault matches requests whose path (plus query string) contains ``match``, for ``times``
requests (or forever). Kinds answered before the handler runs: ``status``, ``quota``,
``retry_after``, ``not_found``, ``hang``/``slow`` (a delay, then the normal answer),
``echo_credential`` (an error quoting the request's credential). Kinds the handlers apply to
the body: ``truncate``, ``drop_field``, ``add_field``, ``empty``, ``extra_row`` (an export
gets one more row: its first row with ``value``'s fields over it, e.g. a ``t_1h`` in 2099),
``patch_row`` (the first row of an export or of a records page gets ``value``'s fields over
it: one out-of-range value, e.g. ``{"k": 140}`` for one arc in one hour).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PRE_KINDS = frozenset(
    {"status", "quota", "retry_after", "not_found", "hang", "slow", "echo_credential"}
)
BODY_KINDS = frozenset({"truncate", "drop_field", "add_field", "empty", "extra_row", "patch_row"})
KINDS = PRE_KINDS | BODY_KINDS
STREAM_INTERRUPTED = (
    "Streaming interrupted due to the following error: "
    "Internal error: the export could not be completed"
)


@dataclass
class Fault:
    kind: str
    match: str = ""
    times: int | None = None  # None: every matching request
    status: int | None = None
    delay: float | None = None  # hang / slow, seconds
    retry_after: int | None = None  # retry_after: header seconds (2); quota: reset in N s
    field: str | None = None  # drop_field / add_field, dotted path into each row
    value: Any = None  # add_field; extra_row: the fields over the export's first row
    fraction: float = 0.5  # truncate: share of the body (or rows) sent
    mode: str = "clean"  # truncate on exports: "clean" (message, stream ends) or "cut"
    body: Any = None  # status: a body to send instead of the upstream-shaped one
    id: int = 0
    hits: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        if data.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        known = {f for f in cls.__dataclass_fields__ if f not in ("id", "hits")}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        fault = cls(**data)
        if fault.kind in ("drop_field", "add_field") and not fault.field:
            raise ValueError(f"{fault.kind} needs 'field'")
        if fault.kind in ("extra_row", "patch_row") and not isinstance(fault.value, dict):
            raise ValueError(f"{fault.kind} needs 'value', an object of fields")
        if fault.mode not in ("clean", "cut") or not 0 <= fault.fraction <= 1:
            raise ValueError("truncate needs mode clean|cut and 0 <= fraction <= 1")
        return fault


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next = 1

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id, self._next = self._next, self._next + 1
            self._faults.append(fault)
        return fault

    def take(self, target: str) -> Fault | None:
        """The first active fault matching ``target`` (path?query); counts one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.match in target and (fault.times is None or fault.hits < fault.times):
                    fault.hits += 1
                    return fault
        return None

    def remove(self, ident: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != ident]
            return len(self._faults) < before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]


@dataclass
class RequestLog:
    """Every upstream request served (admin requests excluded): totals and the last 10,000."""

    entries: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    count: int = 0
    bytes: int = 0

    def add(self, entry: dict[str, Any]) -> None:
        self.entries.append(entry)
        self.count += 1
        self.bytes += int(entry.get("bytes") or 0)

    def clear(self) -> None:
        self.entries.clear()
        self.count = self.bytes = 0

    def as_json(self, match: str | None = None) -> dict[str, Any]:
        rows = [e for e in self.entries if not match or match in e["path"] + "?" + e["query"]]
        if match:
            return {"count": len(rows), "bytes": sum(e["bytes"] for e in rows), "requests": rows}
        return {"count": self.count, "bytes": self.bytes, "requests": list(rows)}


def _set_path(obj: Any, path: str, value: Any, drop: bool) -> None:
    *parents, last = path.split(".")
    for key in parents:
        if not isinstance(obj, dict) or not isinstance(obj.get(key), dict):
            return
        obj[key] = dict(obj[key])  # copy on the way down: rows are shared
        obj = obj[key]
    if drop:
        obj.pop(last, None)
    else:
        obj[last] = value


def patch_first(rows: Iterator[dict[str, Any]], fault: Fault | None) -> Iterator[dict[str, Any]]:
    """The rows, the first with a ``patch_row`` fault's fields over it (a publisher's one bad
    value in an otherwise normal answer)."""
    first = fault is not None and fault.kind == "patch_row" and isinstance(fault.value, dict)
    for row in rows:
        if first and fault is not None:
            row, first = {**row, **fault.value}, False
        yield row


def reshape(item: dict[str, Any], fault: Fault | None) -> dict[str, Any]:
    """Apply a drop_field / add_field fault to one row (returns a copy when it changes)."""
    if fault is None or fault.kind not in ("drop_field", "add_field") or fault.field is None:
        return item
    item = dict(item)
    _set_path(item, fault.field, fault.value, fault.kind == "drop_field")
    return item


def echo_body(credential: str, status: int, navitia: bool) -> dict[str, Any]:
    """An error that quotes the credential the request carried, as some gateways and
    misconfigured upstreams do: the collector must not keep nor serve it.

    Opendatasoft's shape (``message``, ``error_code``); Navitia's 401 shape (``message``), or its
    error object for any other status, which the collector keeps in the payload (a 200 too).
    """
    quoted = credential or "(none)"
    if not navitia:
        return {
            "message": f"The API key provided is not valid: {quoted}",
            "error_code": "InvalidAPIKeyError" if status == 401 else "BadRequestError",
        }
    if status == 401:
        return {"message": f"Unauthorized, invalid token: {quoted}"}
    return {"error": {"id": "bad_request", "message": f"request refused for credential {quoted}"}}


def quota_body(fault: Fault) -> dict[str, Any]:
    """The Opendatasoft quota answer; ``reset_time`` is real time (clients compare it with
    their own clock): next midnight UTC, or ``retry_after`` seconds from now."""
    now = datetime.now(UTC)
    if fault.retry_after is not None:
        reset = now + timedelta(seconds=fault.retry_after)
    else:
        reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "errorcode": 10002,
        "reset_time": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limit_time_unit": "day",
        "call_limit": 10000,
        "error": "Too many requests on the domain. Please contact the domain administrator.",
    }
