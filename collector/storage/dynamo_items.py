"""The DynamoDB layout shared by the daemon's store (aioboto3) and the readers (boto3).

Three tables, named ``{table_prefix}silver``, ``{table_prefix}gold``, ``{table_prefix}state``,
all keyed by ``pk`` (hash) and ``sk`` (range), keys as in :mod:`collector.keys`:

* silver: history items (``{dataset}#{entity_id}`` / ``observed_at``) carry ``gsi1pk``
  ``{dataset}#{YYYY-MM-DD}`` and ``gsi1sk`` ``{observed_at}#{entity_id}`` for the sparse index
  ``by_day`` that serves time windows; latest items (``{dataset}#latest`` / ``entity_id``) do not.
  Both hold the record as a native map ``data`` plus ``raw_key``, ``observed_at``,
  ``entity_id`` and ``dataset``; history items expire through the TTL attribute ``expires_at``.
* gold: ``{aggregation}`` / ``{window_end}`` with ``window_start``, ``ran_at``, ``data``,
  ``expires_at``. A result too large for one item (DynamoDB caps items at 400 KB) is stored as
  zlib-compressed JSON cut into parts ``{aggregation}#parts`` / ``{window_end}#part0001``...; the
  main item then has ``parts`` and ``digest`` instead of ``data``. Parts are written before the
  main item, so a reader that sees a digest mismatch is reading during a rewrite and retries.
* state: ``state#{source}`` / ``state`` holds a source's state, ``rejects#{source}`` /
  ``{raw_key}#{index:06d}`` a record set aside. Both carry ``gsi1pk`` (``state`` or
  ``rejects``) for the index ``by_kind``, which lists every source without a Scan.

A dataset with an entity whose id is literally ``latest`` would share its history partition
with the latest view: avoid that id.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from collector import keys
from collector.storage.base import GoldPoint, Reject, Row
from collector.storage.dynamo_codec import AttributeValue, Item, decode, encode

BY_DAY = "by_day"
BY_KIND = "by_kind"
TTL_ATTRIBUTE = "expires_at"
STATE_SK = "state"
# Leaves room under the 400 KB item limit for keys and the other attributes.
MAX_INLINE_BYTES = 350_000
PART_BYTES = 350_000


@dataclass(frozen=True, slots=True)
class Tables:
    silver: str
    gold: str
    state: str

    @classmethod
    def named(cls, prefix: str) -> Tables:
        return cls(f"{prefix}silver", f"{prefix}gold", f"{prefix}state")

    def all(self) -> tuple[str, str, str]:
        return (self.silver, self.gold, self.state)


def table_definition(name: str, index: str | None) -> dict[str, Any]:
    """CreateTable arguments: on-demand billing, string keys, an optional ALL-projected GSI."""
    attrs = [("pk", "S"), ("sk", "S")] + ([("gsi1pk", "S"), ("gsi1sk", "S")] if index else [])
    definition: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for a, t in attrs],
        "KeySchema": _key_schema("pk", "sk"),
    }
    if index:
        definition["GlobalSecondaryIndexes"] = [index_definition(index)]
    return definition


def index_definition(index: str) -> dict[str, Any]:
    return {
        "IndexName": index,
        "KeySchema": _key_schema("gsi1pk", "gsi1sk"),
        "Projection": {"ProjectionType": "ALL"},
    }


def _key_schema(hash_key: str, range_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": hash_key, "KeyType": "HASH"},
        {"AttributeName": range_key, "KeyType": "RANGE"},
    ]


def layout(tables: Tables) -> list[tuple[str, str | None, bool]]:
    """Each table with its index and whether it expires items by TTL."""
    return [(tables.silver, BY_DAY, True), (tables.gold, None, True), (tables.state, BY_KIND, False)]


def s(text: str) -> AttributeValue:
    return {"S": text}


def n(number: int) -> AttributeValue:
    return {"N": str(number)}


# silver ---------------------------------------------------------------------
def _row_attributes(row: Row, data: AttributeValue) -> Item:
    return {
        "data": data,
        "raw_key": s(row.raw_key),
        "observed_at": s(row.observed_at),
        "entity_id": s(row.entity_id),
        "dataset": s(row.dataset),
    }


def history_item(row: Row, data: AttributeValue, expires_at: int) -> Item:
    item = _row_attributes(row, data)
    item["pk"] = s(keys.history_pk(row.dataset, row.entity_id))
    item["sk"] = s(row.observed_at)
    item["gsi1pk"] = s(keys.day_pk(row.dataset, row.observed_at))
    item["gsi1sk"] = s(keys.day_sk(row.observed_at, row.entity_id))
    item[TTL_ATTRIBUTE] = n(expires_at)
    return item


def latest_item(row: Row, data: AttributeValue) -> Item:
    item = _row_attributes(row, data)
    item["pk"] = s(keys.latest_pk(row.dataset))
    item["sk"] = s(row.entity_id)
    return item


def item_data(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = decode(item["data"])
    return data


def partition_query(
    table: str, pk: str, since: str | None = None, until: str | None = None
) -> dict[str, Any] | None:
    """Query arguments for one partition, optionally with ``since <= sk <= until``.

    None when nothing can match: DynamoDB rejects empty strings in key conditions and BETWEEN
    with its bounds out of order, where SQLite simply finds nothing.
    """
    names = {"#pk": "pk"}
    values = {":pk": s(pk)}
    condition = "#pk = :pk"
    if until is not None:
        if not until or (since or "") > until:
            return None
        names["#sk"] = "sk"
        values[":hi"] = s(until)
        if since:
            values[":lo"] = s(since)
            condition += " AND #sk BETWEEN :lo AND :hi"
        else:
            condition += " AND #sk <= :hi"
    elif since:
        names["#sk"] = "sk"
        values[":lo"] = s(since)
        condition += " AND #sk >= :lo"
    return {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def project(query: dict[str, Any], *attributes: str) -> dict[str, Any]:
    """Fetch only ``attributes`` (through placeholders: ``data`` is a reserved word)."""
    query["ProjectionExpression"] = ", ".join(f"#{a}" for a in attributes)
    query["ExpressionAttributeNames"].update({f"#{a}": a for a in attributes})
    return query


def window_queries(table: str, dataset: str, since: datetime, until: datetime) -> Iterator[Any]:
    """One ``by_day`` Query per UTC day of ``(since, until]``, in time order.

    ``gsi1sk`` is ``{observed_at}#{entity_id}`` with fixed-width timestamps, and ``$`` sorts
    right after ``#``: ``{ts}$`` lies above every key observed at ``ts`` and below every later one.
    """
    lo, hi = keys.ts(since), keys.ts(until)
    if lo >= hi:
        return
    day = since.astimezone(UTC).date()
    while day <= until.astimezone(UTC).date():
        yield {
            "TableName": table,
            "IndexName": BY_DAY,
            "KeyConditionExpression": "gsi1pk = :day AND gsi1sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":day": s(f"{dataset}#{day:%Y-%m-%d}"),
                ":lo": s(lo + "$"),
                ":hi": s(hi + "$"),
            },
            "ProjectionExpression": "#data",
            "ExpressionAttributeNames": {"#data": "data"},
        }
        day += timedelta(days=1)


# state and rejects ------------------------------------------------------------
def state_item(source: str, state: Any) -> Item:
    return {
        "pk": s(keys.state_pk(source)),
        "sk": s(STATE_SK),
        "gsi1pk": s("state"),
        "gsi1sk": s(source),
        "source": s(source),
        "data": encode(state),
    }


def reject_key(reject: Reject) -> Item:
    return {
        "pk": s(keys.rejects_pk(reject.source)),
        "sk": s(keys.reject_sk(reject.raw_key, reject.index)),
    }


def reject_item(reject: Reject) -> Item:
    return {
        **reject_key(reject),
        "gsi1pk": s("rejects"),
        "gsi1sk": s(keys.reject_sk(reject.raw_key, reject.index)),
        "source": s(reject.source),
        "raw_key": s(reject.raw_key),
        "idx": n(reject.index),
        "reason": s(reject.reason),
        "data": encode(reject.data),
        "at": s(reject.at),
    }


def reject_from_item(item: Item) -> Reject:
    return Reject(
        source=item["source"]["S"],
        raw_key=item["raw_key"]["S"],
        index=int(item["idx"]["N"]),
        reason=item["reason"]["S"],
        data=decode(item["data"]),
        at=item["at"]["S"],
    )


# gold -----------------------------------------------------------------------
def parts_pk(aggregation: str) -> str:
    return f"{aggregation}#parts"


def part_sk(window_end: str, number: int) -> str:
    return f"{window_end}#part{number:04d}"


def part_key(point: GoldPoint, number: int) -> Item:
    return {"pk": s(parts_pk(point.aggregation)), "sk": s(part_sk(point.window_end, number))}


def parts_query(table: str, aggregation: str, main: Item) -> dict[str, Any]:
    """A strongly consistent Query for every part of a split gold point."""
    window_end = main["sk"]["S"]
    query = partition_query(
        table, parts_pk(aggregation), part_sk(window_end, 0), part_sk(window_end, 9999)
    )
    assert query is not None
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
        if len(chunks) != part_count(item) or hashlib.sha256(blob).hexdigest() != item["digest"]["S"]:
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
