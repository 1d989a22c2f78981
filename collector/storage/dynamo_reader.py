"""Read-only DynamoDB access for the API (Lambda) and the dashboard, with boto3.

Same answers as :class:`collector.storage.local.LocalReader`: pages are newest first and their
``next`` token holds the same ``before`` position, so a token means the same thing on both
backends. Everything is a Query (never a Scan); the layout is in
:mod:`collector.storage.dynamo_items`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config

from collector import keys
from collector.storage import dynamo_gold
from collector.storage import dynamo_items as layout
from collector.storage.aws_common import (
    DEFAULT_ATTEMPTS,
    client_config,
    shared_loader,
    translated,
    where,
)
from collector.storage.base import (
    GoldPoint,
    Page,
    Reader,
    StorageError,
    decode_cursor,
    encode_cursor,
)
from collector.storage.dynamo_codec import Item, decode
from collector.storage.local import gold_dict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from collector.settings import Settings

GOLD_READ_ATTEMPTS = 3


class DynamoReader(Reader):
    def __init__(self, settings: Settings, *, max_attempts: int = DEFAULT_ATTEMPTS) -> None:
        self.tables = layout.Tables.named(settings.table_prefix)
        self.place = where(settings.aws_endpoint_url, settings.aws_region)
        core = botocore.session.Session()
        core.register_component("data_loader", shared_loader())
        session = boto3.session.Session(botocore_session=core, region_name=settings.aws_region)
        with translated("open DynamoDB client", self.place):
            self._ddb: DynamoDBClient = session.client(
                "dynamodb",
                endpoint_url=settings.aws_endpoint_url,
                config=client_config(Config, max_attempts),
            )

    def close(self) -> None:
        self._ddb.close()

    def _query(self, query: dict[str, Any], want: int | None = None) -> list[Item]:
        """The items a Query matches, page after page, stopping once ``want`` are found."""
        items: list[Item] = []
        with translated(f"query {query['TableName']}", self.place):
            while True:
                if want is not None:
                    query["Limit"] = want - len(items)
                answer = self._ddb.query(**query)
                items.extend(answer.get("Items", []))
                if "LastEvaluatedKey" not in answer or (want is not None and len(items) >= want):
                    return items
                query = {**query, "ExclusiveStartKey": answer["LastEvaluatedKey"]}

    def check(self) -> None:
        with translated("check", self.place):
            for table in self.tables.all():
                self._ddb.get_item(
                    TableName=table, Key={"pk": {"S": "check"}, "sk": {"S": "check"}}
                )

    def latest(self, dataset: str) -> list[dict[str, Any]]:
        query = layout.unexpired(
            layout.partition_query(self.tables.silver, keys.latest_pk(dataset))
        )
        return [layout.item_data(i) for i in self._query(layout.project(query, "data"))]

    def history(
        self,
        dataset: str,
        entity_id: str,
        since: str,
        until: str,
        *,
        limit: int,
        cursor: str | None = None,
    ) -> Page:
        if cursor is not None:
            until = str(decode_cursor(cursor).get("before", until))
        pk = keys.history_pk(dataset, entity_id)
        query = layout.range_query(self.tables.silver, pk, since, until)
        if query is None:
            return Page(items=[])
        query["ScanIndexForward"] = False
        items = self._query(layout.project(query, "data", "sk"), limit + 1)
        return _page([(layout.item_data(i), i["sk"]["S"]) for i in items], limit)

    def gold(
        self, aggregation: str, since: str, until: str, *, limit: int, cursor: str | None = None
    ) -> Page:
        if cursor is not None:
            until = str(decode_cursor(cursor).get("before", until))
        query = layout.range_query(self.tables.gold, aggregation, since, until)
        if query is None:
            return Page(items=[])
        query["ScanIndexForward"] = False
        points = [self._gold_point(aggregation, i) for i in self._query(query, limit + 1)]
        return _page([(gold_dict(p), p.window_end) for p in points], limit)

    def _gold_point(self, aggregation: str, item: Item) -> GoldPoint:
        for _ in range(GOLD_READ_ATTEMPTS):
            parts = []
            if dynamo_gold.part_count(item):
                parts = self._query(dynamo_gold.parts_query(self.tables.gold, aggregation, item))
            point = dynamo_gold.gold_point(aggregation, item, parts)
            if point is not None:
                return point
            # A digest mismatch means the daemon is rewriting this window: read it again.
            with translated(f"read gold {aggregation}", self.place):
                answer = self._ddb.get_item(
                    TableName=self.tables.gold,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    ConsistentRead=True,
                )
            item = answer.get("Item", item)
        raise StorageError(f"gold {aggregation} {item['sk']['S']}: parts do not match")

    def gold_latest(self, aggregation: str) -> dict[str, Any] | None:
        page = self.gold(aggregation, "", "~", limit=1)
        return page.items[0] if page.items else None

    def states(self) -> dict[str, dict[str, Any]]:
        query = layout.kind_query(self.tables.state, "state")
        return {i["source"]["S"]: decode(i["data"]) for i in self._query(query)}


def _step_back(timestamp: str) -> str:
    """The largest key strictly before ``timestamp`` (keys are fixed-width strings)."""
    return timestamp[:-1] + chr(ord(timestamp[-1]) - 1) + "~"


def _page(found: list[tuple[dict[str, Any], str]], limit: int) -> Page:
    """A page of ``limit`` items out of ``limit + 1`` found, each with its sort key."""
    if len(found) > limit:
        kept = found[:limit]
        return Page(
            items=[i for i, _ in kept], next=encode_cursor({"before": _step_back(kept[-1][1])})
        )
    return Page(items=[i for i, _ in found])
