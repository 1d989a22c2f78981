"""Opendatasoft Explore API v2.1, generic over the bundled datasets.

``/api/explore/v2.1/catalog/datasets[/{id}[/records|/exports/json]]``, with ``select``,
``where``, ``order_by``, ``refine``/``exclude``, ``timezone``, ``limit``/``offset``, and the real
error bodies. An ``apikey`` parameter or ``Authorization: Apikey`` header is accepted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

import orjson
from aiohttp import web

from replay_upstream.aggregate import aggregate
from replay_upstream.dataset import Dataset, Row
from replay_upstream.faults import STREAM_INTERRUPTED, patch_first, reshape
from replay_upstream.odsql import ODSQLError
from replay_upstream.query import (
    OdsHttpError,
    Query,
    build_query,
    count_matching,
    iter_matching,
    ordered,
    render,
)
from replay_upstream.respond import count, cut, fault_of, send_json
from replay_upstream.world import WORLD

BASE = "/api/explore/v2.1/catalog/datasets"
MAX_LIMIT, MAX_WINDOW = 100, 10_000
CHUNK_ROWS = 500


def error(status: int, message: str, code: str) -> OdsHttpError:
    return OdsHttpError(status, message, code)


def not_found(dataset_id: str) -> OdsHttpError:
    return error(404, f"Unknown dataset: {dataset_id}", "NotFound")


def _int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise error(
            400,
            f"Invalid value for {name} API parameter: '{raw}' is not a valid integer.",
            "InvalidRESTParameterError",
        ) from None


def _dataset(request: web.Request) -> Dataset:
    dataset_id = request.match_info["dataset_id"]
    dataset = request.app[WORLD].datasets.get(dataset_id)
    if dataset is None:
        raise not_found(dataset_id)
    return dataset


def _query(request: web.Request, dataset: Dataset) -> Query:
    multi = {k: request.query.getall(k) for k in ("refine", "exclude") if k in request.query}
    try:
        return build_query(dataset, request.query, multi)
    except ODSQLError as exc:
        raise error(400, str(exc), "ODSQLError") from None


async def catalog(request: web.Request) -> web.StreamResponse:
    datasets = list(request.app[WORLD].datasets.values())
    return await send_json(
        request, {"total_count": len(datasets), "results": [d.metadata() for d in datasets]}
    )


async def dataset_meta(request: web.Request) -> web.StreamResponse:
    return await send_json(request, reshape(_dataset(request).metadata(), fault_of(request)))


async def records(request: web.Request) -> web.StreamResponse:
    dataset = _dataset(request)
    limit = _int(request.query, "limit", 10)
    offset = _int(request.query, "offset", 0)
    if limit == -1:
        limit = MAX_LIMIT
    if not 0 <= limit <= MAX_LIMIT:
        raise error(
            400,
            f"Invalid value for limit API parameter: {limit} was found but "
            f"-1 <= limit <= {MAX_LIMIT} is expected.",
            "InvalidRESTParameterError",
        )
    if offset < 0:
        raise error(
            400,
            f"Invalid value for offset API parameter: {offset} was found but "
            "offset >= 0 is expected.",
            "InvalidRESTParameterError",
        )
    if offset + limit > MAX_WINDOW:
        raise error(
            400,
            "Invalid value for sum of offset + limit API parameter: "
            f"{offset + limit} was found but <= {MAX_WINDOW} is expected.",
            "InvalidRESTParameterError",
        )
    query = _query(request, dataset)
    fault = fault_of(request)
    if fault is not None and fault.kind == "empty":
        return await send_json(request, {"total_count": 0, "results": []})
    if query.aggregates:
        total, results = 1, [aggregate(query)]
    elif query.order:
        matching = ordered(query, iter_matching(query))
        total, results = (
            len(matching),
            [render(query, r) for r in matching[offset : offset + limit]],
        )
    elif query.exact_partition:
        total = count_matching(query)
        page = list(islice(iter_matching(query, skip=offset), limit))
        results = [render(query, r) for r in page]
    else:  # one pass: count everything, keep the page
        total, page = 0, []
        for row in iter_matching(query):
            if offset <= total < offset + limit:
                page.append(row)
            total += 1
        results = [render(query, r) for r in page]
    results = [reshape(r, fault) for r in patch_first(iter(results), fault)]
    return await send_json(request, {"total_count": total, "results": results})


def _export_rows(query: Query, limit: int) -> Iterator[dict[str, Any]]:
    if query.aggregates:
        yield aggregate(query)
        return
    rows: Iterator[Row] = (
        iter(ordered(query, iter_matching(query))) if query.order else (iter_matching(query))
    )
    for n, row in enumerate(rows):
        if 0 <= limit <= n:
            return
        yield render(query, row)


async def export(request: web.Request) -> web.StreamResponse:
    dataset = _dataset(request)
    fmt = request.match_info["format"]
    if fmt != "json":
        raise error(
            400,
            f"Export format '{fmt}' is not available on the replay upstream (only json).",
            "InvalidRESTParameterError",
        )
    limit = _int(request.query, "limit", -1)
    query = _query(request, dataset)
    fault = fault_of(request)
    stop_after: int | None = None
    if fault is not None and fault.kind == "truncate":
        expected = 1 if query.aggregates else count_matching(query)
        if limit >= 0:
            expected = min(expected, limit)
        stop_after = int(expected * fault.fraction)
    response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    rows = iter(()) if fault is not None and fault.kind == "empty" else _export_rows(query, limit)
    if fault is not None and fault.kind == "extra_row":
        rows = _with_extra_row(rows, fault.value)
    rows = patch_first(rows, fault)
    first, batch = True, []
    for sent, row in enumerate(rows):
        if stop_after is not None and sent >= stop_after:
            break
        batch.append(orjson.dumps(reshape(row, fault)))
        if len(batch) >= CHUNK_ROWS:
            await _write(request, response, (b"[" if first else b",") + b",".join(batch))
            first, batch = False, []
    if batch or first:
        await _write(request, response, (b"[" if first else b",") + b",".join(batch))
    if stop_after is not None and fault is not None:
        await _write(request, response, f"\n{STREAM_INTERRUPTED}\n".encode())
        if fault.mode == "cut":
            cut(request)
            return response
    else:
        await _write(request, response, b"]")
    await response.write_eof()
    return response


def _with_extra_row(rows: Iterator[dict[str, Any]], fields: Any) -> Iterator[dict[str, Any]]:
    """The rows, then one more: the first row with ``fields`` over it (a bad upstream row)."""
    template: dict[str, Any] | None = None
    for row in rows:
        template = template or row
        yield row
    yield {**(template or {}), **fields}


async def _write(request: web.Request, response: web.StreamResponse, data: bytes) -> None:
    count(request, len(data))
    await response.write(data)


def routes() -> list[web.RouteDef]:
    return [
        web.get(BASE, catalog),
        web.get(BASE + "/{dataset_id}", dataset_meta),
        web.get(BASE + "/{dataset_id}/records", records),
        web.get(BASE + "/{dataset_id}/exports/{format}", export),
    ]
