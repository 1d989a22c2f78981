"""DynamoDB Query and BatchWriteItem loops for the async store.

BatchWriteItem may accept only part of a batch (``UnprocessedItems``) when a partition is
throttled; the rest is retried with exponential backoff and full jitter, a bounded number of
times, before the write fails with :class:`StorageError`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from collector.storage.aws_common import translated
from collector.storage.base import StorageError
from collector.storage.dynamo_codec import Item

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

T = TypeVar("T")
BATCH_SIZE = 25  # BatchWriteItem's limit
BATCH_ATTEMPTS = 8
BACKOFF_BASE = 0.05
BACKOFF_CAP = 5.0


async def gather(coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently; on the first failure cancel the rest and raise that failure."""
    tasks: list[asyncio.Task[T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [t.result() for t in tasks]


async def query_all(
    ddb: DynamoDBClient, query: dict[str, Any], *, limit: asyncio.Semaphore, place: str
) -> list[Item]:
    """Every item a Query matches, page after page."""
    items: list[Item] = []
    with translated(f"query {query['TableName']}", place):
        while True:
            async with limit:
                answer = await ddb.query(**query)
            items.extend(answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return items
            query = {**query, "ExclusiveStartKey": answer["LastEvaluatedKey"]}


def chunks(requests: list[Any]) -> list[list[Any]]:
    return [requests[i : i + BATCH_SIZE] for i in range(0, len(requests), BATCH_SIZE)]


async def write_batch(
    ddb: DynamoDBClient,
    table: str,
    pending: list[Any],
    *,
    limit: asyncio.Semaphore,
    place: str,
) -> int:
    """Write up to 25 put/delete requests; return the number of HTTP requests it took."""
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        with translated(f"write to {table}", place):
            async with limit:
                answer = await ddb.batch_write_item(RequestItems={table: pending})
        pending = list(answer.get("UnprocessedItems", {}).get(table, []))
        if not pending:
            return attempt
        # Full jitter: writers throttled together and backing off in step would collide again.
        await asyncio.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))
    raise StorageError(
        f"write to {table}: {len(pending)} items still unprocessed after"
        f" {BATCH_ATTEMPTS} attempts (throttled)"
    )
