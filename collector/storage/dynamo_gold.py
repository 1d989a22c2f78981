"""Gold points in DynamoDB, including results too large for one item.

A point is one item ``{aggregation}`` / ``{window_end}`` with ``window_start``, ``ran_at``,
``data`` (a native map) and ``expires_at``. DynamoDB caps items at 400 KB, so a result whose
map would exceed ~350 KB is stored instead as zlib-compressed JSON cut into parts of 350 KB:
items ``{aggregation}#parts`` / ``{window_end}#part0001``, ``#part0002``... each with a binary
``chunk`` and the same ``expires_at``; the main item then holds ``parts`` (their number) and
``digest`` (SHA-256 of the compressed blob) instead of ``data``. Reads reassemble the parts.

Parts live in their own partition so that range queries over windows never meet them. They are
written before the main item; a smaller rewrite then deletes the parts it no longer uses. A
reader that finds parts not matching the digest is reading during a rewrite and reads again.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Generator
from typing import Any, Literal

import orjson

from collector.storage.base import GoldPoint, StorageError
from collector.storage.dynamo_codec import AttributeValue, Item, decode, encode
from collector.storage.dynamo_items import TTL_ATTRIBUTE, n, range_query, s

# Leaves room under the 400 KB item limit for keys and the other attributes.
MAX_INLINE_BYTES = 350_000
PART_BYTES = 350_000
READ_ATTEMPTS = 3

Request = tuple[Literal["query", "get"], dict[str, Any]]
"""A read a backend runs with its own client: a Query (answered with every item it matches)
or a GetItem (answered with its raw answer)."""


def parts_pk(aggregation: str) -> str:
    return f"{aggregation}#parts"


def part_sk(window_end: str, number: int) -> str:
    return f"{window_end}#part{number:04d}"


def part_key(point: GoldPoint, number: int) -> Item:
    return {"pk": s(parts_pk(point.aggregation)), "sk": s(part_sk(point.window_end, number))}


def parts_query(table: str, aggregation: str, main: Item) -> dict[str, Any]:
    """A strongly consistent Query for every part of a split gold point."""
    window_end = main["sk"]["S"]
    low, high = part_sk(window_end, 0), part_sk(window_end, 9999)
    query = range_query(table, parts_pk(aggregation), low, high)
    assert query is not None  # the bounds are in order
    query["ConsistentRead"] = True
    return query


def gold_items(point: GoldPoint, expires_at: int) -> tuple[Item, list[Item]]:
    """The main item and, for a large result, its parts (empty when it fits inline)."""
    main: Item = {
        "pk": s(point.aggregation),
        "sk": s(point.window_end),
        "window_start": s(point.window_start),
        "ran_at": s(point.ran_at),
        TTL_ATTRIBUTE: n(expires_at),
    }
    data = encode(point.data)
    if size(data) <= MAX_INLINE_BYTES:
        main["data"] = data
        return main, []
    blob = zlib.compress(orjson.dumps(point.data), 6)
    chunks = [blob[i : i + PART_BYTES] for i in range(0, len(blob), PART_BYTES)]
    main["parts"] = n(len(chunks))
    main["digest"] = s(hashlib.sha256(blob).hexdigest())
    parts = [
        {
            "pk": s(parts_pk(point.aggregation)),
            "sk": s(part_sk(point.window_end, i)),
            "chunk": {"B": chunk},
            TTL_ATTRIBUTE: n(expires_at),
        }
        for i, chunk in enumerate(chunks, start=1)
    ]
    return main, parts


def part_count(item: Item) -> int:
    return int(item["parts"]["N"]) if "parts" in item else 0


def gold_point(aggregation: str, item: Item, parts: list[Item] | None = None) -> GoldPoint | None:
    """The point held by a main item (and its parts); None if the parts do not match it."""
    if "parts" in item:
        chunks = sorted(parts or [], key=lambda p: str(p["sk"]["S"]))
        blob = b"".join(bytes(p["chunk"]["B"]) for p in chunks)
        if (
            len(chunks) != part_count(item)
            or hashlib.sha256(blob).hexdigest() != item["digest"]["S"]
        ):
            return None
        data = orjson.loads(zlib.decompress(blob))
    else:
        data = decode(item["data"])
    return GoldPoint(
        aggregation=aggregation,
        window_start=item["window_start"]["S"],
        window_end=item["sk"]["S"],
        ran_at=item["ran_at"]["S"],
        data=data,
    )


def read_point(table: str, aggregation: str, item: Item) -> Generator[Request, Any, GoldPoint]:
    """The point a main item holds, its parts read and checked; the reads are yielded, so the
    daemon (aioboto3) and the readers (boto3) share this logic and each runs them its way."""
    for _ in range(READ_ATTEMPTS):
        parts: list[Item] = []
        if part_count(item):
            parts = yield ("query", parts_query(table, aggregation, item))
        point = gold_point(aggregation, item, parts)
        if point is not None:
            return point
        # A digest mismatch means the daemon is rewriting this window: read it again.
        key = {"pk": item["pk"], "sk": item["sk"]}
        answer = yield ("get", {"TableName": table, "Key": key, "ConsistentRead": True})
        item = answer.get("Item", item)
    raise StorageError(f"gold {aggregation} {item['sk']['S']}: parts do not match")


def size(value: AttributeValue) -> int:
    """An upper bound of DynamoDB's size accounting for one attribute value."""
    if "S" in value:
        return len(value["S"].encode())
    if "N" in value:
        return len(value["N"]) // 2 + 2
    if "M" in value:
        return 3 + sum(1 + len(k.encode()) + size(v) for k, v in value["M"].items())
    if "L" in value:
        return 3 + sum(1 + size(v) for v in value["L"])
    if "B" in value:
        return len(value["B"])
    return 1
