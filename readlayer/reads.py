"""Snapshots, one entity's history and gold series: thin typed reads over a storage Reader.

Both readers call these, so a page, a filter or a token means the same on both. Snapshot
pages are cut in memory from the dataset's latest view (ordered by a key, resumed after the
last key of the previous page: stable while entities come and go); history and gold pages
are the storage's own (its opaque cursor).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from collector import keys
from collector.storage import Reader
from collector.storage.base import Page, encode_cursor
from readlayer.fields import matches

Item = dict[str, Any]
SortKey = Callable[[Item], list[str]]
_ID_RE = re.compile(r"[^#\x00-\x1f\x7f]{1,200}")


def natural(entity_id: str) -> list[str]:
    """Numeric ids in numeric order ("2" before "10"), then the others in text order."""
    if entity_id.isascii() and entity_id.isdigit():
        return ["0", entity_id.zfill(24)]
    return ["1", entity_id]


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


def latest(reader: Reader, dataset: str, where: Mapping[str, Any] | None = None) -> list[Item]:
    """The latest record of each entity, those equal to ``where`` field by field."""
    items = reader.latest(dataset)
    if where:
        items = [i for i in items if matches(i, where)]
    return items


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
        known = {str(i.get("entity_id")) for i in reader.latest(dataset)}
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
