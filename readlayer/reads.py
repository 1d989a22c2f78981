"""Snapshots, one entity's history and gold series: thin typed reads over a storage Reader.

Both readers call these, so a page, a filter or a token means the same on both. Snapshot
pages are cut in memory from the dataset's latest view (ordered by a key, resumed after the
last key of the previous page: stable while entities come and go); history and gold pages
are the storage's own (its opaque cursor).

"Now" is read from the latest snapshot the daemon stores after each run
(:mod:`collector.snapshot`): one GET of one object instead of a Query of every entity. It is
used when it exists, decodes, and is still refreshed (made within a few intervals of its
source); otherwise, and when the object cannot be read, the latest view itself is read, so
the answer is the same either way, only slower.

The records these reads return may be shared with later calls (an unchanged snapshot is not
decoded again, sort keys are kept): callers copy a record before changing it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from collector import keys
from collector.plugin import Reference
from collector.snapshot import Snapshot, SnapshotError, decode, join_values, snapshot_key
from collector.storage import Reader, StorageError
from collector.storage.base import Page, encode_cursor
from readlayer.fields import matches

log = logging.getLogger("paris.readlayer")
Item = dict[str, Any]
SortKey = Callable[[Item], list[str]]
_ID_RE = re.compile(r"[^#\x00-\x1f\x7f]{1,200}")


_NATURAL: dict[str, list[str]] = {}
_NATURAL_MAX = 100_000
"""Sort keys kept; past this many (ids that come and go) they are dropped and made again."""


def natural(entity_id: str) -> list[str]:
    """Numeric ids in numeric order ("2" before "10"), then the others in text order.

    The same list for the same id: a page of a few thousand entities sorts without making a
    key each (which was a third of a ``/traffic`` request, and its garbage the GC's work).
    """
    found = _NATURAL.get(entity_id)
    if found is None:
        if len(_NATURAL) >= _NATURAL_MAX:
            _NATURAL.clear()
        if entity_id.isascii() and entity_id.isdigit():
            found = ["0", entity_id.zfill(24)]
        else:
            found = ["1", entity_id]
        _NATURAL[entity_id] = found
    return found


def by_entity(item: Mapping[str, Any]) -> list[str]:
    return natural(str(item.get("entity_id", "")))


@dataclass(frozen=True, kw_only=True)
class SnapshotPage:
    items: list[Item]
    next: str | None
    """Opaque token of the following page (``{"after": key}``), None on the last."""
    observed_at: str | None
    """The newest observation among every matching item (all pages)."""
    total: int


def snapshot(reader: Reader, dataset: str, now: datetime | None = None) -> Snapshot | None:
    """The dataset's stored latest snapshot if it can be trusted at ``now``, else None."""
    try:
        body = reader.get_object(snapshot_key(dataset))
    except StorageError as exc:  # the bucket is down or forbidden: the table may still answer
        log.warning("snapshot of %s unreadable, reading the latest view: %s", dataset, exc)
        return None
    if body is None:
        return None
    found = _decoded(body, dataset)
    if found is None:
        return None
    if not found.trusted_at(now or datetime.now(UTC)):
        log.info("snapshot of %s made at %s is not refreshed", dataset, found.generated_at)
        return None
    return found


_DECODED: dict[str, tuple[bytes, Snapshot]] = {}
"""Per dataset, the last snapshot decoded and the bytes it came from. The daemon rewrites it
once per run; readers in between get the same bytes, and comparing them costs microseconds
where decoding them costs milliseconds (~12 ms of CPU for traffic's 2,977 arcs). One entry
per dataset."""


def _decoded(body: bytes, dataset: str) -> Snapshot | None:
    cached = _DECODED.get(dataset)
    if cached is not None and cached[0] == body:
        return cached[1]
    try:
        found = decode(body, dataset)
    except SnapshotError as exc:
        _DECODED.pop(dataset, None)
        log.warning("%s; reading the latest view", exc)
        return None
    _DECODED[dataset] = (body, found)
    return found


def _filtered(items: list[Item], where: Mapping[str, Any] | None) -> list[Item]:
    return [i for i in items if matches(i, where)] if where else items


def latest(reader: Reader, dataset: str, where: Mapping[str, Any] | None = None) -> list[Item]:
    """The latest record of each entity (by entity id), those equal to ``where`` field by field.

    The same records, in the same order, as ``reader.latest(dataset)``; from the snapshot
    when there is a trusted one (one read).
    """
    now = datetime.now(UTC)
    found = snapshot(reader, dataset, now)
    items = found.current(now) if found is not None else reader.latest(dataset)
    return _filtered(items, where)


def with_reference(
    reader: Reader,
    dataset: str,
    *,
    field: str,
    reference: str,
    value: str,
    where: Mapping[str, Any] | None = None,
) -> list[Item]:
    """:func:`latest`, each record with ``field`` set to the ``value`` of the record of the same
    entity in ``reference`` (None when there is none).

    One read when the snapshot holds the join already (the plugin declares it, see
    :class:`collector.plugin.Reference`), two otherwise.
    """
    now = datetime.now(UTC)
    found = snapshot(reader, dataset, now)
    items = _filtered(found.current(now) if found is not None else reader.latest(dataset), where)
    declared = found.reference(field) if found is not None else None
    if found is not None and declared == Reference(field=field, dataset=reference, value=value):
        values: Mapping[str, Any] = found.joined.get(field, {})
    else:
        values = join_values(latest(reader, reference), value)
    return [{**i, field: values.get(str(i.get("entity_id")))} for i in items]


def page(
    items: Sequence[Item],
    *,
    limit: int,
    after: Sequence[str] | None = None,
    key: SortKey = by_entity,
) -> SnapshotPage:
    """One page of ``items`` ordered by ``key``, after the key ``after``."""
    ordered = sorted(items, key=key)
    if after is not None:
        wanted = list(after)
        ordered = [item for item in ordered if key(item) > wanted]
    kept = ordered[:limit]
    token = encode_cursor({"after": key(kept[-1])}) if len(ordered) > limit else None
    observed = max((str(i.get("observed_at", "")) for i in items), default="") or None
    return SnapshotPage(items=kept, next=token, observed_at=observed, total=len(items))


def valid_entity_id(entity_id: str) -> bool:
    """Whether a storage key can hold it (``latest`` is reserved, ``#`` separates keys)."""
    return entity_id != "latest" and _ID_RE.fullmatch(entity_id) is not None


def history(
    reader: Reader,
    dataset: str,
    entity_id: str,
    since: str,
    until: str,
    *,
    limit: int,
    cursor: str | None = None,
) -> Page | None:
    """One entity's records, newest first; None when the dataset has never seen the entity."""
    if not valid_entity_id(entity_id):
        return None
    found = reader.history(dataset, entity_id, since, until, limit=limit, cursor=cursor)
    if not found.items and cursor is None:
        known = {str(i.get("entity_id")) for i in latest(reader, dataset)}
        if entity_id not in known:
            return None
    return found


@dataclass(frozen=True, kw_only=True)
class Series:
    page: Page
    newest: dict[str, Any] | None
    """The analytic's newest point whatever the range (its freshness)."""


def gold_series(
    reader: Reader,
    name: str,
    since: str = "",
    until: str = "~",
    *,
    limit: int,
    cursor: str | None = None,
) -> Series:
    """An analytic's points with ``since <= window_end <= until``, newest first."""
    found = reader.gold(name, since, until, limit=limit, cursor=cursor)
    unbounded = since == "" and until == "~" and cursor is None
    newest = found.items[0] if found.items and unbounded else None
    if newest is None:
        newest = reader.gold_latest(name)
    return Series(page=found, newest=newest)


def trend(reader: Reader, name: str, now: datetime, hours: float, limit: int) -> list[Item]:
    """An analytic's points of the last ``hours``, newest first."""
    since = keys.ts(now - timedelta(hours=hours))
    return reader.gold(name, since, "~", limit=limit).items
