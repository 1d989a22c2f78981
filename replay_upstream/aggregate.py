"""Aggregates in ``select`` (``max(t_1h) as last``, ``count(*)``...), without ``group_by``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from replay_upstream.query import Query, iter_matching


def aggregate(query: Query) -> dict[str, Any]:
    """One row of aggregates. The partition field's min/max and ``count(*)`` come straight
    from the partition keys when the where reads nothing else (the cheap change detector)."""
    data, part = query.dataset, query.dataset.partition_field
    cheap = query.exact_partition and all(
        arg == "*" or (arg == part and func in ("min", "max")) for func, arg, _ in query.aggregates
    )
    if cheap:
        keys = [k for k in data.partitions() if query.keep_partition(k)]
        columns: dict[str, list[Any]] = {part or "": [k for k in keys if k is not None]}
        total = sum(data.size(k) for k in keys)
    else:
        rows = list(iter_matching(query))
        names = {arg for _, arg, _ in query.aggregates if arg != "*"}
        columns = {n: [r[n] for r in rows if r.get(n) is not None] for n in names}
        total = len(rows)
    out: dict[str, Any] = {}
    for func, arg, alias in query.aggregates:
        if arg == "*":
            out[alias] = total
            continue
        values = columns[arg]
        if func == "count":
            out[alias] = len(values)
        elif not values:
            out[alias] = None
        elif func in ("max", "min"):
            value = max(values) if func == "max" else min(values)
            out[alias] = value.astimezone(query.tz) if isinstance(value, datetime) else value
        elif func == "sum":
            out[alias] = sum(values)
        else:
            out[alias] = sum(values) / len(values)
    return out
