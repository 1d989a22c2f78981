"""What the resources share: a page of a latest snapshot, and one entity's history."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib import context
from chalicelib.catalog import SourceInfo
from chalicelib.errors import invalid, not_found
from chalicelib.params import cursor_field, time_range
from chalicelib.web import Reply, envelope, max_age, source_freshness
from collector.storage.base import encode_cursor

Item = dict[str, Any]
SortKey = Callable[[Item], list[str]]
_ID_RE = re.compile(r"[^#\x00-\x1f\x7f]{1,200}")


def natural(entity_id: str) -> list[str]:
    """Numeric ids in numeric order ("2" before "10"), then the others in text order."""
    if entity_id.isascii() and entity_id.isdigit():
        return ["0", entity_id.zfill(24)]
    return ["1", entity_id]


def by_entity(item: Item) -> list[str]:
    return natural(str(item.get("entity_id", "")))


def snapshot(
    items: Sequence[Item],
    query: Mapping[str, Any],
    info: SourceInfo,
    *,
    key: SortKey = by_entity,
) -> Reply:
    """One page of the matching items of a latest view, ordered by ``key``.

    ``meta.observed_at`` is the newest observation among every matching item (all pages).
    """
    after = cursor_field(query, "after", list)
    if after is not None and not all(isinstance(part, str) for part in after):
        raise invalid("next", "not a pagination token of this endpoint")
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if key(item) > after]
    limit: int = query["limit"]
    kept = ordered[:limit]
    token = encode_cursor({"after": key(kept[-1])}) if len(ordered) > limit else None
    observed = max((str(i.get("observed_at", "")) for i in items), default="") or None
    body = envelope(
        kept,
        sources=[info],
        observed_at=observed,
        fresh=source_freshness(info),
        next_token=token,
    )
    return Reply(body=body, max_age=max_age(info.interval_s))


def history(
    dataset: str, entity_id: str, query: Mapping[str, Any], info: SourceInfo, *, what: str
) -> Reply:
    """One entity's records, newest first; 404 when the dataset has never seen the entity."""
    parameter = "arc_id" if dataset.startswith("traffic") else "id"
    unknown = not_found(parameter, f"no {what} with {parameter} {entity_id!r}")
    if entity_id == "latest" or _ID_RE.fullmatch(entity_id) is None:
        raise unknown
    since, until = time_range(query)
    cursor = None
    if cursor_field(query, "before", str) is not None:
        cursor = encode_cursor(query["next"])
    reader = context.reader()
    page = reader.history(dataset, entity_id, since, until, limit=query["limit"], cursor=cursor)
    if not page.items and cursor is None:
        known = {str(i.get("entity_id")) for i in reader.latest(dataset)}
        if entity_id not in known:
            raise unknown
    observed = str(page.items[0].get("observed_at")) if page.items else None
    body = envelope(
        page.items,
        sources=[info],
        observed_at=observed,
        fresh=source_freshness(info),
        next_token=page.next,
    )
    return Reply(body=body, max_age=max_age(info.interval_s))
