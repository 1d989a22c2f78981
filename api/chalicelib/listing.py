"""What the resources share: a page of a latest snapshot, and one entity's history.

The reads themselves (ordering, paging, the unknown-entity check) are the read layer's
(:mod:`readlayer.reads`); this module turns them into answers, and binds each page's ``next``
token to the route and parameters that asked for it (:func:`chalicelib.params.bind_token`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib import context
from chalicelib.errors import invalid, not_found
from chalicelib.params import (
    PAGE_TOKEN,
    bind_token,
    page_position,
    position_field,
    time_range,
)
from chalicelib.web import Reply, envelope, max_age, source_freshness
from collector.storage.base import encode_cursor
from readlayer import reads
from readlayer.catalogue import SourceInfo
from readlayer.reads import Item, SortKey, by_entity, natural

__all__ = ["Item", "SortKey", "by_entity", "history", "natural", "snapshot", "with_total"]


def with_total(body: dict[str, Any], total: int | None) -> dict[str, Any]:
    """``meta.total``: the matching items over all pages, where knowing it costs nothing
    (``None`` where it would take reading every page: history, analytics)."""
    body["meta"]["total"] = total
    return body


def snapshot(
    items: Sequence[Item],
    query: Mapping[str, Any],
    info: SourceInfo,
    *,
    route: str,
    key: SortKey = by_entity,
) -> Reply:
    """One page of the matching items of a latest view, ordered by ``key``.

    ``meta.observed_at`` is the newest observation among every matching item (all pages),
    ``meta.total`` their number: the latest view is read whole anyway.
    """
    after = position_field(page_position(query, route), "after", list)
    if after is not None and not all(isinstance(part, str) for part in after):
        raise invalid(PAGE_TOKEN, "not a pagination token of this endpoint")
    found = reads.page(items, limit=query["limit"], after=after, key=key)
    body = envelope(
        found.items,
        sources=[info],
        observed_at=found.observed_at,
        fresh=source_freshness(info),
        next_token=bind_token(found.next, route, query),
    )
    return Reply(body=with_total(body, len(items)), max_age=max_age(info.interval_s))


def storage_cursor(query: Mapping[str, Any], route: str) -> str | None:
    """The storage's own cursor of a history or series page, from the request's token."""
    position = page_position(query, route)
    if position is None or position_field(position, "before", str) is None:
        return None
    return encode_cursor(position)


def history(
    dataset: str,
    entity_id: str,
    query: Mapping[str, Any],
    info: SourceInfo,
    *,
    route: str,
    what: str,
    parameter: str | None = None,
) -> Reply:
    """One entity's records, newest first; 404 when the dataset has never seen the entity."""
    if parameter is None:
        parameter = "arc_id" if dataset.startswith("traffic") else "id"
    since, until = time_range(query)
    cursor = storage_cursor(query, route)
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
        next_token=bind_token(found.next, route, query),
    )
    return Reply(body=with_total(body, None), max_age=max_age(info.interval_s))
