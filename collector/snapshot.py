""" "Now" in one read: each dataset's latest view stored as one gzip JSON object.

After every successful run of a source the daemon reads the latest view of each of its
datasets once and stores it under :func:`snapshot_key` (``snapshots/<dataset>.json.gz`` in the
bucket, or under the local bronze folder): a reader then gets every entity with one GET
instead of a Query of thousands of items. Fields a record type declares as taken from another
dataset (:class:`collector.plugin.Reference`, traffic's arc geometry) are stored beside the
records, already matched by entity id, so a joined answer needs no second read.

The object is written whole (an S3 PUT, or a local rename), so a reader sees the previous
snapshot or the new one, never half of one. Its header says when it was made and how long to
trust it: the runner rewrites it after every successful run, including unchanged ones, so a
latest view changed by another writer (``replay``, ``dlq replay``, the spool) is caught up
within one interval; a snapshot older than :data:`TRUST_INTERVALS` intervals means the daemon
stopped refreshing it, and readers go back to the per-item read (see
:meth:`Snapshot.trusted_at`).
"""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from collector import keys
from collector.plugin import Reference, Source, dataset_name
from collector.storage.base import Store

PREFIX = "snapshots/"
FORMAT = "paris-collector latest snapshot"
VERSION = 1
CONTENT_TYPE = "application/json"
TRUST_INTERVALS = 3
"""A snapshot not refreshed for this many intervals of its source is not trusted."""
MIN_TRUST = timedelta(minutes=10)
"""However short the interval: a run may take a while, and clocks differ a little."""

Item = dict[str, Any]


class SnapshotError(ValueError):
    """Bytes that are not a snapshot of this format (corrupt, truncated, another version)."""


def snapshot_key(dataset: str) -> str:
    return f"{PREFIX}{dataset}.json.gz"


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """A dataset's latest view as it was at ``generated_at``, with its joined fields."""

    dataset: str
    generated_at: str
    """Key timestamp (UTC, whole seconds) of the read of the latest view."""
    interval_s: float
    """The source's interval: how often the daemon rewrites the snapshot."""
    latest_ttl_s: int | None
    """The dataset's ``latest_ttl`` (seconds): entities leave the view that long after their
    observation, and readers apply it at read time as the storage does."""
    items: list[Item]
    """The latest view in the storage's order (by entity id)."""
    references: tuple[Reference, ...] = ()
    joined: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per joined field, its value by entity id (entities without one are absent)."""

    def trusted_at(self, now: datetime) -> bool:
        """Whether the daemon still refreshes it (made less than a few intervals ago)."""
        made = keys.parse_ts(self.generated_at)
        bound = max(timedelta(seconds=self.interval_s * TRUST_INTERVALS), MIN_TRUST)
        return now - made <= bound

    def current(self, now: datetime) -> list[Item]:
        """The records still in the latest view at ``now`` (the storage keeps an entity while
        its expiry, observation + ``latest_ttl``, is at or after the current second)."""
        if self.latest_ttl_s is None:
            return list(self.items)
        second = int(now.timestamp())
        ttl = self.latest_ttl_s
        return [
            i
            for i in self.items
            if int(keys.parse_ts(str(i["observed_at"])).timestamp()) + ttl >= second
        ]

    def reference(self, name: str) -> Reference | None:
        return next((r for r in self.references if r.field == name), None)


def encode(snapshot: Snapshot) -> bytes:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "dataset": snapshot.dataset,
        "generated_at": snapshot.generated_at,
        "rows": len(snapshot.items),
        "interval_s": snapshot.interval_s,
        "latest_ttl_s": snapshot.latest_ttl_s,
        "references": [
            {"field": r.field, "dataset": r.dataset, "value": r.value} for r in snapshot.references
        ],
        "joined": snapshot.joined,
        "items": snapshot.items,
    }
    # Level 6 like bronze: level 9 costs the daemon twice the time for ~2 % fewer bytes.
    return gzip.compress(orjson.dumps(document), 6)


def decode(body: bytes, dataset: str) -> Snapshot:
    """The snapshot in ``body``; :class:`SnapshotError` unless it is a whole one of ``dataset``."""
    try:
        document = orjson.loads(gzip.decompress(body))
    except (OSError, EOFError, orjson.JSONDecodeError, ValueError) as exc:
        raise SnapshotError(f"snapshot of {dataset} unreadable: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f"snapshot of {dataset}: not a snapshot")
    if document.get("version") != VERSION:
        raise SnapshotError(f"snapshot of {dataset}: version {document.get('version')!r}")
    try:
        items = document["items"]
        ttl = document["latest_ttl_s"]
        snapshot = Snapshot(
            dataset=str(document["dataset"]),
            generated_at=str(document["generated_at"]),
            interval_s=float(document["interval_s"]),
            latest_ttl_s=None if ttl is None else int(ttl),
            items=items,
            references=tuple(
                Reference(field=str(r["field"]), dataset=str(r["dataset"]), value=str(r["value"]))
                for r in document["references"]
            ),
            joined=document["joined"],
        )
        keys.parse_ts(snapshot.generated_at)
        rows_ok = document["rows"] == len(items)
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"snapshot of {dataset}: bad header: {exc}") from None
    well_formed = isinstance(items, list) and all(isinstance(i, dict) for i in items)
    if snapshot.dataset != dataset or not rows_ok or not well_formed:
        raise SnapshotError(f"snapshot of {dataset}: header and content disagree")
    if not isinstance(snapshot.joined, dict):
        raise SnapshotError(f"snapshot of {dataset}: bad joined fields")
    return snapshot


def join_values(items: Sequence[Mapping[str, Any]], value: str) -> dict[str, Any]:
    """``value`` of each record by entity id, for those that have one."""
    found: dict[str, Any] = {}
    for item in items:
        if item.get(value) is not None:
            found[str(item.get("entity_id"))] = item.get(value)
    return found


async def build(
    read: Callable[[str], Awaitable[list[Item]]],
    dataset: str,
    *,
    interval: timedelta,
    latest_ttl: timedelta | None,
    references: Sequence[Reference],
    now: datetime,
) -> Snapshot:
    """The snapshot of ``dataset`` from its latest view (and its references') read now."""
    items = await read(dataset)
    wanted = {str(i.get("entity_id")) for i in items}
    joined: dict[str, dict[str, Any]] = {}
    for reference in references:
        values = join_values(await read(reference.dataset), reference.value)
        joined[reference.field] = {k: v for k, v in values.items() if k in wanted}
    return Snapshot(
        dataset=dataset,
        generated_at=keys.ts(now),
        interval_s=interval.total_seconds(),
        latest_ttl_s=None if latest_ttl is None else int(latest_ttl.total_seconds()),
        items=items,
        references=tuple(references),
        joined=joined,
    )


async def write_snapshots(
    store: Store,
    source: Source,
    *,
    interval: timedelta,
    now: datetime,
    views: dict[str, list[Item]] | None = None,
) -> dict[str, int]:
    """Store the snapshot of every dataset of ``source``; the bytes written, by dataset.

    Each latest view is read once, even when it is also another dataset's reference (the
    arcs are both a dataset and traffic's geometry): on DynamoDB a read is paid per 4 KB.
    ``views``: latest views the caller already holds (:mod:`collector.snapshot_views`), by
    dataset; the others are read and added to it, so the caller sees what was read.
    """
    held: dict[str, list[Item]] = {} if views is None else views

    async def read(dataset: str) -> list[Item]:
        if dataset not in held:
            held[dataset] = await store.read_latest(dataset)
        return held[dataset]

    written: dict[str, int] = {}
    for model in source.records:
        dataset = dataset_name(source.name, model)
        snapshot = await build(
            read,
            dataset,
            interval=interval,
            latest_ttl=model.latest_ttl,
            references=model.references,
            now=now,
        )
        body = encode(snapshot)
        await store.put_object(snapshot_key(dataset), body, CONTENT_TYPE)
        written[dataset] = len(body)
    return written
