"""Raw payload -> validated records -> silver. Shared by live runs, ``replay`` and ``dlq replay``.

Parsing and serialisation run in a worker thread: a day of traffic is tens of thousands of
records, and the event loop keeps serving the other sources meanwhile.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson
from pydantic import TypeAdapter

from collector import keys, quality
from collector.ledger.split import SlotOf, answered_in, slot_of
from collector.plugin import Invalid, Notice, Record, Source, dataset_name
from collector.storage.base import Reject, Row, Store


class ParseFailure(Exception):
    """The parser could not read the payload at all; the raw payload stays in bronze."""


@dataclass
class Batch:
    """What one payload parsed into, ready to write."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    history: dict[str, bool] = field(default_factory=dict)
    latest_ttl: dict[str, int | None] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    notices: dict[str, str] = field(default_factory=dict)
    records: int = 0
    freshness: str | None = None
    written: dict[str, int] = field(default_factory=dict)
    """Rows written per dataset, once :func:`write_batch` ran."""
    unchanged: dict[str, int] = field(default_factory=dict)
    """Rows per dataset not written because silver already held them, identical."""
    ledger_slots: SlotOf | None = None
    """For a ledger of observed slots: its dataset is written slot by slot (collector.ledger)."""
    written_by_slot: dict[str, int] = field(default_factory=dict)
    """Rows of the ledger's dataset written per slot start: a slot's revisions."""
    answered: frozenset[str] = frozenset()
    """The entities the payload answered for, records or not (``Coverage.answered``)."""

    @property
    def valid(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    @property
    def written_total(self) -> int:
        return sum(self.written.values())

    @property
    def unchanged_total(self) -> int:
        return sum(self.unchanged.values())


class _GcPause:
    """Pause the cyclic garbage collector while a payload is parsed (re-entrant, thread-safe).

    Parsing allocates tens of thousands of containers (dicts, lists, models), none of them in
    a cycle: reference counting frees them, yet each allocation burst triggers collections that
    walk every live object. Measured on a traffic hour, ``build_batch`` takes ~40% less time
    with the collector paused (docs/benchmarks.md). It resumes when the last parse ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


_gc_paused = _GcPause()


def build_batch(source: Source, payload: bytes, raw_key: str, now: datetime) -> Batch:
    """Parse and validate (pure CPU work; runs in a thread)."""
    with _gc_paused:
        batch = _build_batch(source, payload, raw_key, now)
    batch.ledger_slots = slot_of(source)
    batch.answered = answered_in(source, payload)
    return batch


def _build_batch(source: Source, payload: bytes, raw_key: str, now: datetime) -> Batch:
    try:
        everything = list(source.parse(payload))
    except Exception as exc:
        raise ParseFailure(f"{type(exc).__name__}: {exc}") from exc
    declared = {model: dataset_name(source.name, model) for model in source.records}
    at = keys.ts(now)
    notices = [item for item in everything if isinstance(item, Notice)]
    parsed = [item for item in everything if not isinstance(item, Notice)]
    batch = Batch(records=len(parsed), notices={n.key: n.message for n in notices})
    dumped = _dump_all(
        item for item in parsed if isinstance(item, Record) and type(item) in declared
    )
    by_key: dict[str, dict[tuple[str, str], Row]] = defaultdict(dict)
    main = source.name
    checks = quality.record_checks(source)
    # The same few observation times repeat on every row (an hour of traffic is one): format
    # each once. strftime was ~12% of an hour's build_batch (docs/benchmarks.md).
    stamps: dict[datetime, str] = {}
    for index, item in enumerate(parsed):
        if isinstance(item, Invalid):
            batch.rejects.append(Reject(source.name, raw_key, index, item.reason, item.data, at))
            continue
        dataset = declared.get(type(item)) if isinstance(item, Record) else None
        if not isinstance(item, Record) or dataset is None:
            reason = f"parse yielded an undeclared type {type(item).__name__}"
            batch.rejects.append(Reject(source.name, raw_key, index, reason, repr(item), at))
            continue
        serialised = dumped[id(item)]
        try:
            if isinstance(serialised, Exception):
                raise serialised
            observed = stamps.get(item.observed_at)
            if observed is None:
                observed = stamps[item.observed_at] = keys.ts(item.observed_at)
        except (ArithmeticError, TypeError, ValueError) as exc:
            # A value the model accepted but cannot serialise: this record only is set aside.
            reason = f"record not serialisable: {type(exc).__name__}: {exc}"
            batch.rejects.append(Reject(source.name, raw_key, index, reason, repr(item), at))
            continue
        data, text = serialised
        tests = checks.get(dataset)
        if tests:  # a failing record is stored flagged, never dropped (collector.quality)
            data, text = quality.apply(tests, data, text)
        # The same key twice in one payload: the later row wins, as an upsert would.
        by_key[dataset][(item.entity_id, observed)] = Row(
            dataset, item.entity_id, observed, data, raw_key, text
        )
        batch.history[dataset] = type(item).history
        ttl = type(item).latest_ttl
        batch.latest_ttl[dataset] = int(ttl.total_seconds()) if ttl is not None else None
        if dataset == main and (batch.freshness is None or observed > batch.freshness):
            batch.freshness = observed
    batch.rows = {dataset: list(rows.values()) for dataset, rows in by_key.items()}
    return batch


Serialised = tuple[dict[str, Any], str] | Exception


def _dump_all(records: Iterable[Record]) -> dict[int, Serialised]:
    """Each record's JSON data and its JSON text, by ``id``: one pydantic call per record type.

    The text is made once here and reused by both the history and the latest view (and by the
    unchanged-content check); dumping a payload in one call instead of one per record halves
    the serialisation time of a traffic hour (docs/benchmarks.md).
    """
    by_type: dict[type[Record], list[Record]] = defaultdict(list)
    for record in records:
        by_type[type(record)].append(record)
    out: dict[int, Serialised] = {}
    for model, group in by_type.items():
        try:
            values = _dump_adapter(model).dump_python(group, mode="json")
        except (ArithmeticError, TypeError, ValueError):  # PydanticSerializationError too
            values = [_dump_one(record) for record in group]  # find the one that fails
        for record, value in zip(group, values, strict=True):
            out[id(record)] = value if isinstance(value, Exception) else _with_text(value)
    return out


def _dump_one(record: Record) -> dict[str, Any] | Exception:
    try:
        return record.model_dump(mode="json")
    except (ArithmeticError, TypeError, ValueError) as exc:  # PydanticSerializationError too
        return exc


def _with_text(data: dict[str, Any]) -> Serialised:
    try:
        return data, orjson.dumps(data).decode()
    except orjson.JSONEncodeError as exc:  # e.g. an int past 64 bits, which JSON data allows
        return TypeError(str(exc))


@cache
def _dump_adapter(model: type[Record]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def parse_failure_reject(source: str, raw_key: str, error: str, now: datetime) -> Reject:
    """A whole payload set aside: ``dlq replay`` parses it again after a fix."""
    return Reject(source, raw_key, -1, f"parse failed: {error}", None, keys.ts(now))


async def write_batch(store: Store, batch: Batch, retention_days: int, now: datetime) -> int:
    """Write the batch's rows and rejects; return the rows written (unchanged ones not)."""
    expires = int((now + timedelta(days=retention_days)).timestamp())
    for dataset, rows in batch.rows.items():
        written = 0
        for slot, group in _by_slot(batch, dataset, rows):
            count = await store.put_rows(
                group,
                history=batch.history[dataset],
                expires_at=expires,
                latest_ttl=batch.latest_ttl.get(dataset),
            )
            written += count
            if slot is not None:
                batch.written_by_slot[slot] = batch.written_by_slot.get(slot, 0) + count
        batch.written[dataset] = written
        batch.unchanged[dataset] = len(rows) - written
    if batch.rejects:
        await store.put_rejects(batch.rejects)
    return batch.written_total


def _by_slot(batch: Batch, dataset: str, rows: list[Row]) -> list[tuple[str | None, list[Row]]]:
    """The rows in one group, or, for the ledger's dataset of observed slots, one per slot."""
    if batch.ledger_slots is None or batch.ledger_slots[0] != dataset:
        return [(None, rows)]
    of = batch.ledger_slots[1]
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[of(row.observed_at)].append(row)
    return [(slot, groups[slot]) for slot in sorted(groups)]


async def ingest(
    store: Store,
    source: Source,
    payload: bytes,
    raw_key: str,
    *,
    retention_days: int,
    now: datetime | None = None,
) -> Batch:
    """Parse ``payload`` and write its records; raise :class:`ParseFailure` if unreadable."""
    moment = now or datetime.now(UTC)
    batch = await asyncio.to_thread(build_batch, source, payload, raw_key, moment)
    await write_batch(store, batch, retention_days, moment)
    return batch
