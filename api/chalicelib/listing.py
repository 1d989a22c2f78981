"""What the resources share: a page of a latest snapshot, and one entity's history.

The reads themselves (ordering, paging, the unknown-entity check) are the read layer's
(:mod:`readlayer.reads`); this module turns them into answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib import context
from chalicelib.errors import invalid, not_found
from chalicelib.params import cursor_field, time_range
from chalicelib.web import Reply, envelope, max_age, source_freshness
from collector.storage.base import encode_cursor
from readlayer import reads
from readlayer.catalogue import SourceInfo
from readlayer.reads import Item, SortKey, by_entity, natural

__all__ = ["Item", "SortKey", "by_entity", "history", "natural", "snapshot"]


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
    found = reads.page(items, limit=query["limit"], after=after, key=key)
    body = envelope(
        found.items,
        sources=[info],
        observed_at=found.observed_at,
        fresh=source_freshness(info),
        next_token=found.next,
    )
    return Reply(body=body, max_age=max_age(info.interval_s))


def history(
    dataset: str,
    entity_id: str,
    query: Mapping[str, Any],
    info: SourceInfo,
    *,
    what: str,
    parameter: str | None = None,
) -> Reply:
    """One entity's records, newest first; 404 when the dataset has never seen the entity."""
    if parameter is None:
        parameter = "arc_id" if dataset.startswith("traffic") else "id"
    since, until = time_range(query)
    cursor = None
    if cursor_field(query, "before", str) is not None:
        cursor = encode_cursor(query["next"])
    found = reads.history(
        context.reader(), dataset, entity_id, since, until, limit=query["limit"], cursor=cursor
    )
    if found is None:
        raise not_found(parameter, f"no {what} with {parameter} {entity_id!r}")
    observed = str(found.items[0].get("observed_at")) if found.items else None
    body = envelope(
        found.items,
        sources=[info],
        observed_at=observed,
        fresh=source_freshness(info),
        next_token=found.next,
    )
    return Reply(body=body, max_age=max_age(info.interval_s))
