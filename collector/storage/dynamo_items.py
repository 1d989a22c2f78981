"""The DynamoDB layout shared by the daemon's store (aioboto3) and the readers (boto3).

Three tables, named ``{table_prefix}silver``, ``{table_prefix}gold``, ``{table_prefix}state``,
all keyed by ``pk`` (hash) and ``sk`` (range), keys as in :mod:`collector.keys`:

* silver: history items (``{dataset}#{entity_id}`` / ``observed_at``) carry ``gsi1pk``
  ``{dataset}#{YYYY-MM-DD}`` and ``gsi1sk`` ``{observed_at}#{entity_id}`` for the sparse index
  ``by_day`` that serves time windows; latest items (``{dataset}#latest`` / ``entity_id``) do not.
  Both hold the record as a native map ``data`` plus ``raw_key``, ``observed_at``,
  ``entity_id`` and ``dataset``; history items expire through the TTL attribute ``expires_at``.
  Latest items also carry ``content_hash`` (a digest of the record's JSON) and, for datasets
  with history, ``history_expires_at`` (the expiry of the history item of the same
  observation): an identical record is then written to neither (see ``AwsStore.put_rows``).
* gold: ``{aggregation}`` / ``{window_end}`` with ``window_start``, ``ran_at``, ``data``,
  ``expires_at``; large results are split, see :mod:`collector.storage.dynamo_gold`.
* state: ``state#{source}`` / ``state`` holds a source's state, ``rejects#{source}`` /
  ``{raw_key}#{index:06d}`` a record set aside, ``lease#{name}`` / ``lease`` who runs a job
  (see :mod:`collector.lease`). All carry ``gsi1pk`` (``state``, ``rejects`` or ``lease``)
  for the index ``by_kind``, which lists every source without a Scan.

A dataset with an entity whose id is literally ``latest`` would share its history partition
with the latest view: avoid that id.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from collector import keys
from collector.storage.base import Lease, Reject, Row, StorageError, latest_expiry
from collector.storage.dynamo_codec import AttributeValue, Item, decode, encode

BY_DAY = "by_day"
BY_KIND = "by_kind"
TTL_ATTRIBUTE = "expires_at"
CONTENT_HASH = "content_hash"
HISTORY_EXPIRES = "history_expires_at"
STATE_SK = "state"
LEASE_SK = "lease"


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
    return [
        (tables.silver, BY_DAY, True),
        (tables.gold, None, True),
        (tables.state, BY_KIND, False),
    ]


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


def latest_item(
    row: Row,
    data: AttributeValue,
    ttl: int | None = None,
    *,
    digest: str | None = None,
    history_expires: int | None = None,
) -> Item:
    item = _row_attributes(row, data)
    item["pk"] = s(keys.latest_pk(row.dataset))
    item["sk"] = s(row.entity_id)
    expires = latest_expiry(row.observed_at, ttl)
    if expires is not None:
        item[TTL_ATTRIBUTE] = n(expires)
    if digest is not None:
        item[CONTENT_HASH] = s(digest)
    if history_expires is not None:
        item[HISTORY_EXPIRES] = n(history_expires)
    return item


def content_hash(row: Row) -> str:
    """A digest of the row's JSON text: equal digests, identical records."""
    return hashlib.blake2b(row.text().encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Mark:
    """What the latest view holds for one entity, enough to tell an unchanged record."""

    observed_at: str
    digest: str | None
    history_expires: int | None
    expires: int | None


class WrittenHistory:
    """Digest and expiry of the history items last written, by key; the oldest forgotten first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._known: OrderedDict[tuple[str, str, str], tuple[str, int]] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> tuple[str, int] | None:
        return self._known.get(key)

    def remember(self, key: tuple[str, str, str], digest: str, expires_at: int) -> None:
        self._known[key] = (digest, expires_at)
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)

    def forget(self, key: tuple[str, str, str]) -> None:
        self._known.pop(key, None)


MARK_ATTRIBUTES = ("sk", "observed_at", CONTENT_HASH, HISTORY_EXPIRES, TTL_ATTRIBUTE)


def mark_of(item: Item) -> Mark:
    """A latest item read with :data:`MARK_ATTRIBUTES` (items written before the content hash
    have none: their records are written again once)."""

    def number(name: str) -> int | None:
        value = item.get(name)
        return int(value["N"]) if value else None

    digest = item.get(CONTENT_HASH)
    return Mark(
        item["observed_at"]["S"],
        digest["S"] if digest else None,
        number(HISTORY_EXPIRES),
        number(TTL_ATTRIBUTE),
    )


def unexpired(query: dict[str, Any]) -> dict[str, Any]:
    """Leave out items past their TTL: DynamoDB deletes them only within a day or two."""
    names = dict(query.get("ExpressionAttributeNames", {}), **{"#ttl": TTL_ATTRIBUTE})
    values = dict(
        query.get("ExpressionAttributeValues", {}), **{":now": {"N": str(int(time.time()))}}
    )
    return {
        **query,
        "FilterExpression": "attribute_not_exists(#ttl) OR #ttl >= :now",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def item_data(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = decode(item["data"])
    return data


def partition_query(table: str, pk: str) -> dict[str, Any]:
    """Query arguments for a whole partition."""
    return {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": s(pk)},
    }


def range_query(table: str, pk: str, since: str, until: str) -> dict[str, Any] | None:
    """Query arguments for ``since <= sk <= until`` in one partition; None if nothing matches.

    DynamoDB rejects empty strings in key conditions and BETWEEN with its bounds out of order,
    where SQLite simply finds nothing.
    """
    if not until or since > until:
        return None
    query = partition_query(table, pk)
    query["ExpressionAttributeNames"]["#sk"] = "sk"
    query["ExpressionAttributeValues"][":hi"] = s(until)
    if since:
        query["ExpressionAttributeValues"][":lo"] = s(since)
        query["KeyConditionExpression"] += " AND #sk BETWEEN :lo AND :hi"
    else:
        query["KeyConditionExpression"] += " AND #sk <= :hi"
    return query


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


def kind_query(table: str, kind: str) -> dict[str, Any]:
    """Query arguments for every ``state`` or every ``rejects`` item, whatever the source."""
    return {
        "TableName": table,
        "IndexName": BY_KIND,
        "KeyConditionExpression": "gsi1pk = :kind",
        "ExpressionAttributeValues": {":kind": s(kind)},
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


# leases -----------------------------------------------------------------------
def lease_key(name: str) -> Item:
    return {"pk": s(f"lease#{name}"), "sk": s(LEASE_SK)}


def lease_item(lease: Lease) -> Item:
    return {
        **lease_key(lease.name),
        "gsi1pk": s("lease"),
        "gsi1sk": s(lease.name),
        "name": s(lease.name),
        "holder": s(lease.holder),
        "acquired_at": s(lease.acquired_at),
        "renewed_at": s(lease.renewed_at),
        "expires_ms": n(lease.expires_ms),
    }


def lease_from_item(item: Item) -> Lease:
    """A lease item as written by ``acquire_lease``; StorageError for one edited by hand or
    damaged (the daemon treats it like unreadable storage, never a crash)."""
    try:
        return Lease(
            name=item["name"]["S"],
            holder=item["holder"]["S"],
            acquired_at=item["acquired_at"]["S"],
            renewed_at=item["renewed_at"]["S"],
            expires_ms=int(item["expires_ms"]["N"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StorageError(f"malformed lease item {item.get('pk')}: {exc!r}") from None
