"""The AWS backend for the daemon: bronze in S3, silver, gold, state and rejects in DynamoDB.

One aioboto3 session and one S3 and one DynamoDB client live from :meth:`AwsStore.open` to
:meth:`AwsStore.close`, so connections are pooled across every fetch. The DynamoDB layout is
described in :mod:`collector.storage.dynamo_items`. Retention relies on DynamoDB's TTL (enabled
by :meth:`AwsStore.init`), so :meth:`AwsStore.purge_expired` has nothing to do.

Writes go through BatchWriteItem with full batches of 25, history items first, then latest
items, so a batch of N new records with history costs about 2N/25 write requests
(``write_requests`` counts them). The latest view is protected from going back in time by
reading its current marks first: the holder of a source's lease (:mod:`collector.lease`) is
its only writer, so no conditional write is needed. The same read tells an unchanged record
(the mark holds its observation time and content digest): it is written to neither the history
nor the latest view, and costs no write request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aioboto3
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError

from collector import keys
from collector.logs import get_logger
from collector.storage import dynamo_gold
from collector.storage import dynamo_items as layout
from collector.storage.aws_batch import chunks, gather, query_all, write_batch
from collector.storage.aws_common import (
    MISSING,
    NOT_FOUND,
    client_config,
    error_code,
    shared_loader,
    translated,
    where,
)
from collector.storage.aws_meta import decode_meta, encode_meta
from collector.storage.aws_setup import ensure_bucket, ensure_table
from collector.storage.base import (
    GoldPoint,
    Lease,
    RawObject,
    Reject,
    Row,
    StorageError,
    Store,
    StoreMissing,
    latest_expiry,
    refresh_before,
)
from collector.storage.dynamo_codec import Item, decode, encode

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_s3 import S3Client

    from collector.settings import Settings

CONCURRENCY = 8
LEASE_ATTEMPTS = 3
CONDITION_FAILED = "ConditionalCheckFailedException"
# History items this process wrote that the latest view does not cover (older observations,
# as a backfill or a replay writes them): enough for a few days of re-polled hours; a key
# forgotten is simply written again.
HISTORY_MEMORY = 20_000


class AwsStore(Store):
    def __init__(self, settings: Settings, *, max_attempts: int | None = None) -> None:
        if not settings.s3_bucket:
            raise StorageError(
                "PARIS_S3_BUCKET is not set: the aws storage needs a bucket for raw payloads"
            )
        self.bucket = settings.s3_bucket
        self.tables = layout.Tables.named(settings.table_prefix)
        self.region = settings.aws_region
        self.endpoint_url = settings.aws_endpoint_url
        self.place = where(self.endpoint_url, self.region)
        self._config = client_config(
            AioConfig,
            max_attempts or settings.aws_max_attempts,
            path_style=self.endpoint_url is not None,
        )
        self._stack: AsyncExitStack | None = None
        self._s3: S3Client | None = None
        self._ddb: DynamoDBClient | None = None
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self.write_requests = 0  # DynamoDB write requests, retries included
        self._history_written = layout.WrittenHistory(HISTORY_MEMORY)

    async def open(self) -> None:
        stack = AsyncExitStack()
        core = AioSession()
        core.register_component("data_loader", shared_loader())
        session = aioboto3.Session(botocore_session=core, region_name=self.region)
        options: dict[str, Any] = {"endpoint_url": self.endpoint_url, "config": self._config}
        try:
            with translated("open AWS clients", self.place):
                self._s3 = await stack.enter_async_context(session.client("s3", **options))
                self._ddb = await stack.enter_async_context(session.client("dynamodb", **options))
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack

    async def close(self) -> None:
        stack, self._stack = self._stack, None
        self._s3 = self._ddb = None
        if stack is not None:
            await stack.aclose()

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            raise StorageError("the AWS store is not open")
        return self._s3

    @property
    def ddb(self) -> DynamoDBClient:
        if self._ddb is None:
            raise StorageError("the AWS store is not open")
        return self._ddb

    async def init(self) -> list[str]:
        # Concurrently: a real table takes seconds to become ACTIVE.
        with translated("init", self.place):
            steps = [
                ensure_bucket(self.s3, self.bucket, self.region),
                *(
                    ensure_table(self.ddb, t, i, ttl=ttl)
                    for t, i, ttl in layout.layout(self.tables)
                ),
            ]
            done = await gather(steps)
        return [what for step in done for what in step]

    async def check(self) -> None:
        with translated("check", self.place):
            try:
                await self.s3.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if error_code(exc) in NOT_FOUND:
                    raise StoreMissing(
                        f"bucket {self.bucket} does not exist: run 'paris-collector init'"
                    ) from exc
                raise
            for table in self.tables.all():
                try:
                    await self.ddb.describe_table(TableName=table)
                except ClientError as exc:
                    if error_code(exc) in MISSING:
                        raise StoreMissing(
                            f"table {table} does not exist: run 'paris-collector init'"
                        ) from exc
                    raise

    # bronze -----------------------------------------------------------------
    async def put_raw(self, key: str, body: bytes, meta: Mapping[str, str]) -> None:
        with translated(f"put s3://{self.bucket}/{key}", self.place):
            await self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                Metadata=encode_meta(meta),
                ContentType="application/json",
                ContentEncoding="gzip",
            )

    async def get_raw(self, key: str) -> RawObject:
        with translated(f"get s3://{self.bucket}/{key}", self.place):
            try:
                answer = await self.s3.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) in NOT_FOUND:
                    raise KeyError(key) from None
                raise
            async with answer["Body"] as stream:
                body = await stream.read()
        return RawObject(key=key, body=body, meta=decode_meta(answer.get("Metadata", {})))

    async def list_raw(self, prefix: str) -> list[str]:
        found: list[str] = []
        with translated(f"list s3://{self.bucket}/{prefix}", self.place):
            pages = self.s3.get_paginator("list_objects_v2")
            async for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
                found.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(found)

    async def put_object(self, key: str, body: bytes, content_type: str) -> None:
        with translated(f"put s3://{self.bucket}/{key}", self.place):
            await self.s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type
            )

    # silver -----------------------------------------------------------------
    async def put_rows(
        self,
        rows: Sequence[Row],
        *,
        history: bool,
        expires_at: int,
        latest_ttl: int | None = None,
    ) -> int:
        if not rows:
            return 0
        # Later duplicates win, as INSERT OR REPLACE does; DynamoDB refuses duplicate keys in
        # one batch anyway.
        newest: dict[tuple[str, str], Row] = {}
        encoded: dict[tuple[str, str, str], tuple[Row, dict[str, Any], str]] = {}
        for row in rows:
            try:
                data = encode(row.data)
            except (TypeError, ValueError) as exc:
                kind = TypeError if isinstance(exc, TypeError) else ValueError
                raise kind(f"{row.dataset} {row.entity_id} {row.observed_at}: {exc}") from exc
            encoded[(row.dataset, row.entity_id, row.observed_at)] = (
                row,
                data,
                layout.content_hash(row),
            )
            seen = newest.get((row.dataset, row.entity_id))
            if seen is None or row.observed_at >= seen.observed_at:
                newest[(row.dataset, row.entity_id)] = row
        datasets = sorted({row.dataset for row in rows})
        marks = dict(zip(datasets, await gather(self._marks(d) for d in datasets), strict=True))
        skip = self.skip_unchanged
        refresh = refresh_before(expires_at)
        history_items: list[Item] = []
        written: set[tuple[str, str, str]] = set()
        if history:
            for key, (row, data, digest) in encoded.items():
                if not (skip and self._history_unchanged(marks, key, digest, refresh)):
                    history_items.append(layout.history_item(row, data, expires_at))
                    written.add(key)
        latest_items: list[Item] = []
        for (dataset, entity_id), row in newest.items():
            mark = marks[dataset].get(entity_id)
            if mark is not None and row.observed_at < mark.observed_at:
                continue  # the latest view never goes back in time
            key = (dataset, entity_id, row.observed_at)
            _, data, digest = encoded[key]
            if (
                skip
                and key not in written
                and mark is not None
                and (mark.observed_at, mark.digest) == (row.observed_at, digest)
                and mark.expires == latest_expiry(row.observed_at, latest_ttl)
            ):
                continue
            kept = mark.history_expires if mark is not None and key not in written else None
            latest_items.append(
                layout.latest_item(
                    row,
                    data,
                    latest_ttl,
                    digest=digest,
                    history_expires=(expires_at if key in written else kept) if history else None,
                )
            )
            written.add(key)
        # History first: a latest item is only ever stored once its history item is.
        await self._write(self.tables.silver, [{"PutRequest": {"Item": i}} for i in history_items])
        await self._write(self.tables.silver, [{"PutRequest": {"Item": i}} for i in latest_items])
        latest_keys = {(d, e, r.observed_at) for (d, e), r in newest.items()}
        for key in written if history else ():
            if key in latest_keys:  # its mark tells from now on; a stale memory must not
                self._history_written.forget(key)
            else:
                self._history_written.remember(key, encoded[key][2], expires_at)
        return len(written)

    def _history_unchanged(
        self,
        marks: dict[str, dict[str, layout.Mark]],
        key: tuple[str, str, str],
        digest: str,
        refresh: int,
    ) -> bool:
        """Whether the history item under ``key`` is known to hold ``digest`` and to live
        past ``refresh``: from the latest view's mark, or else from what this process wrote."""
        dataset, entity_id, observed_at = key
        mark = marks[dataset].get(entity_id)
        # A latest item is written after the history item of the same observation (see
        # put_rows): a mark holding this observation's digest proves its history item.
        if mark is not None and mark.observed_at == observed_at:
            return mark.digest == digest and (mark.history_expires or 0) >= refresh
        known = self._history_written.get(key)
        return known is not None and known[0] == digest and known[1] >= refresh

    async def _marks(self, dataset: str) -> dict[str, layout.Mark]:
        """What the latest view holds of each entity: its observation time and content digest."""
        query = layout.partition_query(self.tables.silver, keys.latest_pk(dataset))
        query["ConsistentRead"] = True
        items = await self._query(layout.project(query, *layout.MARK_ATTRIBUTES))
        return {i["sk"]["S"]: layout.mark_of(i) for i in items}

    async def read_latest(self, dataset: str) -> list[dict[str, Any]]:
        query = layout.unexpired(
            layout.partition_query(self.tables.silver, keys.latest_pk(dataset))
        )
        return [layout.item_data(i) for i in await self._query(layout.project(query, "data"))]

    async def read_window(
        self, dataset: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        queries = layout.window_queries(self.tables.silver, dataset, since, until)
        days = await gather(self._query(q) for q in queries)
        return [layout.item_data(i) for day in days for i in day]

    async def put_rejects(self, rejects: Sequence[Reject]) -> None:
        items = {(r.source, r.raw_key, r.index): layout.reject_item(r) for r in rejects}
        await self._write(self.tables.state, [{"PutRequest": {"Item": i}} for i in items.values()])

    async def list_rejects(self, source: str | None = None) -> list[Reject]:
        if source is None:
            query = layout.kind_query(self.tables.state, "rejects")
        else:
            query = layout.partition_query(self.tables.state, keys.rejects_pk(source))
        return [layout.reject_from_item(i) for i in await self._query(query)]

    async def delete_rejects(self, rejects: Sequence[Reject]) -> None:
        found = {(r.source, r.raw_key, r.index): layout.reject_key(r) for r in rejects}
        await self._write(
            self.tables.state, [{"DeleteRequest": {"Key": k}} for k in found.values()]
        )

    # state ------------------------------------------------------------------
    async def get_state(self, source: str) -> dict[str, Any]:
        key = {"pk": {"S": keys.state_pk(source)}, "sk": {"S": layout.STATE_SK}}
        with translated(f"get state of {source}", self.place):
            answer = await self.ddb.get_item(
                TableName=self.tables.state, Key=key, ConsistentRead=True
            )
        item = answer.get("Item")
        return dict(decode(item["data"])) if item else {}

    async def put_state(self, source: str, state: Mapping[str, Any]) -> None:
        with translated(f"put state of {source}", self.place):
            self.write_requests += 1
            await self.ddb.put_item(
                TableName=self.tables.state, Item=layout.state_item(source, dict(state))
            )

    # leases -----------------------------------------------------------------
    async def acquire_lease(
        self, name: str, holder: str, *, now_ms: int, duration_ms: int
    ) -> Lease:
        mine = Lease.granted(name, holder, now_ms=now_ms, duration_ms=duration_ms)
        stamp = mine.renewed_at
        names = {"#h": "holder", "#e": "expires_ms", "#r": "renewed_at"}
        with translated(f"lease {name}", self.place):
            # A released lease can vanish between a refused write and the read: try again.
            for _ in range(LEASE_ATTEMPTS):
                try:  # a renewal: one conditional write while the lease is ours
                    self.write_requests += 1
                    answer = await self.ddb.update_item(
                        TableName=self.tables.state,
                        Key=layout.lease_key(name),
                        UpdateExpression="SET #r = :now, #e = :exp",
                        ConditionExpression="#h = :me",
                        ExpressionAttributeNames=names,
                        ExpressionAttributeValues={
                            ":now": layout.s(stamp),
                            ":exp": layout.n(mine.expires_ms),
                            ":me": layout.s(holder),
                        },
                        ReturnValues="ALL_NEW",
                    )
                    return layout.lease_from_item(answer["Attributes"])
                except ClientError as exc:
                    if error_code(exc) != CONDITION_FAILED:
                        raise
                try:  # a take-over: absent or expired
                    self.write_requests += 1
                    await self.ddb.put_item(
                        TableName=self.tables.state,
                        Item=layout.lease_item(mine),
                        ConditionExpression="attribute_not_exists(pk) OR #e <= :now_ms",
                        ExpressionAttributeNames={"#e": "expires_ms"},
                        ExpressionAttributeValues={":now_ms": layout.n(now_ms)},
                    )
                    return mine
                except ClientError as exc:
                    if error_code(exc) != CONDITION_FAILED:
                        raise
                found = await self.ddb.get_item(
                    TableName=self.tables.state, Key=layout.lease_key(name), ConsistentRead=True
                )
                if "Item" in found:
                    return layout.lease_from_item(found["Item"])
        raise StorageError(f"lease {name}: contended, neither taken nor readable")

    async def release_lease(self, name: str, holder: str) -> bool:
        with translated(f"release lease {name}", self.place):
            try:
                self.write_requests += 1
                await self.ddb.delete_item(
                    TableName=self.tables.state,
                    Key=layout.lease_key(name),
                    ConditionExpression="#h = :me",
                    ExpressionAttributeNames={"#h": "holder"},
                    ExpressionAttributeValues={":me": layout.s(holder)},
                )
            except ClientError as exc:
                if error_code(exc) != CONDITION_FAILED:
                    raise
                return False
        return True

    async def list_leases(self) -> list[Lease]:
        items = await self._query(layout.kind_query(self.tables.state, "lease"))
        leases = []
        for item in items:
            try:
                leases.append(layout.lease_from_item(item))
            except StorageError as exc:  # one damaged item hides no other lease
                get_logger(component="storage").warning("lease item skipped", error=str(exc))
        return sorted(leases, key=lambda x: x.name)

    # gold -------------------------------------------------------------------
    async def put_gold(self, point: GoldPoint, *, expires_at: int) -> None:
        main, parts = dynamo_gold.gold_items(point, expires_at)
        await self._write(self.tables.gold, [{"PutRequest": {"Item": p}} for p in parts])
        with translated(f"put gold {point.aggregation} {point.window_end}", self.place):
            self.write_requests += 1
            answer = await self.ddb.put_item(
                TableName=self.tables.gold, Item=main, ReturnValues="ALL_OLD"
            )
        stale = range(len(parts) + 1, dynamo_gold.part_count(answer.get("Attributes", {})) + 1)
        await self._write(
            self.tables.gold,
            [{"DeleteRequest": {"Key": dynamo_gold.part_key(point, i)}} for i in stale],
        )

    async def read_gold(self, aggregation: str, since: str, until: str) -> list[GoldPoint]:
        query = layout.range_query(self.tables.gold, aggregation, since, until)
        if query is None:
            return []
        items = await self._query(query)
        return [await self._gold_point(aggregation, item) for item in items]

    async def _gold_point(self, aggregation: str, item: Item) -> GoldPoint:
        steps = dynamo_gold.read_point(self.tables.gold, aggregation, item)
        answer: Any = None
        while True:
            try:
                kind, request = steps.send(answer)
            except StopIteration as done:
                point: GoldPoint = done.value
                return point
            if kind == "query":
                answer = await self._query(request)
            else:
                with translated(f"read gold {aggregation}", self.place):
                    answer = await self.ddb.get_item(**request)

    # plumbing ---------------------------------------------------------------
    async def _query(self, query: dict[str, Any]) -> list[Item]:
        return await query_all(self.ddb, query, limit=self._limit, place=self.place)

    async def _write(self, table: str, requests: list[Any]) -> None:
        made = await gather(
            write_batch(self.ddb, table, chunk, limit=self._limit, place=self.place)
            for chunk in chunks(requests)
        )
        self.write_requests += sum(made)
