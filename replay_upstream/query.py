"""Run an Explore v2.1 query (select, where, order_by, refine, paging) over a dataset."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from replay_upstream.dataset import Dataset, Row
from replay_upstream.odsql import (
    BoolOp,
    Compare,
    Node,
    Not,
    ODSQLError,
    fields_of,
    parse_where,
    relax,
)
from replay_upstream.predicate import compile_where

_AGG = re.compile(r"^(max|min|count|sum|avg)\(\s*(\*|`?\w+`?)\s*\)(?:\s+as\s+`?(\w+)`?)?$", re.I)
_FIELD = re.compile(r"^`?(\w+)`?(?:\s+as\s+`?(\w+)`?)?$", re.I)
_INCLUDE = re.compile(r"^(include|exclude)\(\s*([\w*]+)\s*\)$", re.I)


class OdsHttpError(Exception):
    def __init__(self, status: int, message: str, error_code: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "error_code": error_code}


@dataclass
class Query:
    dataset: Dataset
    predicate: Callable[[Row], bool]
    keep_partition: Callable[[Hashable], bool]
    exact_partition: bool  # the where only reads the partition field
    static_only: bool  # the where only reads fields constant across partitions
    columns: list[tuple[str, str]]
    aggregates: list[tuple[str, str, str]] = field(default_factory=list)  # func, field, alias
    order: list[tuple[str, bool]] = field(default_factory=list)  # field, descending
    tz: tzinfo = UTC


def _split(text: str) -> list[str]:
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return [item for item in items if item]


def _select(text: str | None, dataset: Dataset) -> tuple[list[tuple[str, str]], list[Any]]:
    names = [f.name for f in dataset.fields]
    if not text or text.strip() == "*":
        return [(n, n) for n in names], []
    columns: list[tuple[str, str]] = []
    aggregates: list[tuple[str, str, str]] = []
    items = _split(text)
    if all(_INCLUDE.match(i) and _INCLUDE.match(i).group(1).lower() == "exclude" for i in items):  # type: ignore[union-attr]
        columns = [(n, n) for n in names]
    for item in items:
        if item == "*":
            columns += [(n, n) for n in names]
        elif match := _INCLUDE.match(item):
            hits = [n for n in names if fnmatch.fnmatchcase(n, match.group(2))]
            if match.group(1).lower() == "include":
                columns += [(n, n) for n in hits]
            else:
                columns = [c for c in columns if c[0] not in hits]
        elif match := _AGG.match(item):
            func, arg = match.group(1).lower(), match.group(2).strip("`")
            if arg != "*" and arg not in names:
                raise ODSQLError(f"Unknown field: {arg}", "select")
            aggregates.append((func, arg, match.group(3) or f"{func}({arg})"))
        elif match := _FIELD.match(item):
            if match.group(1) not in names:
                raise ODSQLError(f"Unknown field: {match.group(1)}", "select")
            columns.append((match.group(1), match.group(2) or match.group(1)))
        else:
            raise ODSQLError(f"unsupported expression {item!r}", "select")
    if aggregates and columns:
        raise ODSQLError("aggregated and plain fields need a group_by", "select")
    return columns, aggregates


def _refine(values: list[str], negate: bool, kinds: Mapping[str, str]) -> list[Node]:
    nodes: list[Node] = []
    for value in values:
        name, _, facet = value.partition(":")
        if name not in kinds:
            raise OdsHttpError(400, f"Unknown facet: {name}", "InvalidRESTParameterError")
        node: Node = Compare(name, "=", facet)
        nodes.append(Not(node) if negate else node)
    return nodes


def build_query(
    dataset: Dataset, params: Mapping[str, str], multi: Mapping[str, list[str]]
) -> Query:
    """``params``: the query string; ``multi``: repeated params (``refine``, ``exclude``)."""
    try:
        name = params.get("timezone") or "UTC"
        tz: tzinfo = UTC if name.upper() == "UTC" else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OdsHttpError(
            400, f"Unknown timezone: {params.get('timezone')}", "InvalidRESTParameterError"
        ) from None
    if params.get("group_by"):
        raise ODSQLError("group_by is not supported by the replay upstream", "group_by")
    node = parse_where(params.get("where") or "")
    extra = _refine(multi.get("refine", []), False, dataset.kinds)
    extra += _refine(multi.get("exclude", []), True, dataset.kinds)
    if extra:
        node = BoolOp("and", (node, *extra))
    kinds = dataset.kinds
    predicate = compile_where(node, kinds, tz)
    part = dataset.partition_field
    exact = part is not None and fields_of(node) <= {part}
    static = bool(dataset.static_fields) and fields_of(node) <= dataset.static_fields
    if part is not None:
        loose = compile_where(relax(node, part), kinds, tz)
        keep: Callable[[Hashable], bool] = lambda key: loose({part: key})  # noqa: E731
    else:
        keep = lambda key: True  # noqa: E731
    columns, aggregates = _select(params.get("select"), dataset)
    aliases = {alias: source for source, alias in columns}
    order: list[tuple[str, bool]] = []
    for item in _split(params.get("order_by") or ""):
        name, _, direction = item.partition(" ")
        name = aliases.get(name.strip("`"), name.strip("`"))
        if name not in kinds or direction.strip().lower() not in ("", "asc", "desc"):
            raise ODSQLError(f"cannot order by {item!r}", "order_by")
        order.append((name, direction.strip().lower() == "desc"))
    return Query(dataset, predicate, keep, exact, static, columns, aggregates, order, tz)


def iter_matching(query: Query, skip: int = 0) -> Iterator[Row]:
    """Matching rows in dataset order, ignoring ``order_by``; ``skip`` is cheap on partitions
    the where reads only through the partition field."""
    data, part = query.dataset, query.dataset.partition_field
    matched: dict[int, list[int]] = {}  # template list id -> indices matching the where
    for key in data.partitions():
        if not query.keep_partition(key):
            continue
        if query.exact_partition and part is not None:
            size = data.size(key)
            if skip >= size:
                skip -= size
                continue
            rows = data.rows(key)[skip:]
            skip = 0
            yield from rows
            continue
        if query.static_only:
            templates = data.templates(key)
            if id(templates) not in matched:
                matched[id(templates)] = [
                    i for i, row in enumerate(templates) if query.predicate(row)
                ]
            hits = matched[id(templates)]
            if skip >= len(hits):
                skip -= len(hits)
                continue
            rows = data.rows(key) if hits else []
            candidates: Iterable[Row] = (rows[i] for i in hits[skip:])
            skip = 0
        else:
            candidates = (row for row in data.rows(key) if query.predicate(row))
        for row in candidates:
            if skip:
                skip -= 1
            else:
                yield row


def count_matching(query: Query) -> int:
    data = query.dataset
    if query.exact_partition:
        return sum(data.size(k) for k in data.partitions() if query.keep_partition(k))
    return sum(1 for _ in iter_matching(query))


def ordered(query: Query, rows: Iterator[Row]) -> list[Row]:
    result = list(rows)
    for name, descending in reversed(query.order):
        present = [r for r in result if r.get(name) is not None]
        present.sort(key=lambda r: r[name], reverse=descending)
        result = present + [r for r in result if r.get(name) is None]
    return result


def render(query: Query, row: Row) -> dict[str, Any]:
    utc = query.tz is UTC
    out: dict[str, Any] = {}
    for source, alias in query.columns:
        value = row.get(source)
        if not utc and isinstance(value, datetime):
            value = value.astimezone(query.tz)
        out[alias] = value
    return out
