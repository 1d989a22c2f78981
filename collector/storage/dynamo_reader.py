"""Read-only DynamoDB access for the API (Lambda) and the dashboard, with boto3.

Same answers as the local reader: pages are newest first, their ``next`` token made by
:mod:`collector.storage.paging` as on the local backend, so a token means the same thing on
both. Everything is a Query (never a Scan); the layout is in
:mod:`collector.storage.dynamo_items`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from collector import keys
from collector.storage import dynamo_gold
from collector.storage import dynamo_items as layout
from collector.storage.aws_common import (
    DEFAULT_ATTEMPTS,
    NOT_FOUND,
    client_config,
    error_code,
    shared_loader,
    translated,
    where,
)
from collector.storage.base import GoldPoint, Page, Reader
from collector.storage.dynamo_codec import Item, decode
from collector.storage.paging import newest_first_page, resume_until

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

    from collector.settings import Settings


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
        self.bucket = settings.s3_bucket
        self._session = session
        self._endpoint_url = settings.aws_endpoint_url
        self._max_attempts = max_attempts
        self._s3: S3Client | None = None

    @property
    def s3(self) -> S3Client:
        # Built on first use: a reader that never reads an object pays nothing for it.
        if self._s3 is None:
            with translated("open S3 client", self.place):
                self._s3 = self._session.client(
                    "s3",
                    endpoint_url=self._endpoint_url,
                    config=client_config(
                        Config, self._max_attempts, path_style=self._endpoint_url is not None
                    ),
                )
        return self._s3

    def close(self) -> None:
        self._ddb.close()
        if self._s3 is not None:
            self._s3.close()

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
        until = resume_until(until, cursor)
        pk = keys.history_pk(dataset, entity_id)
        query = layout.range_query(self.tables.silver, pk, since, until)
        if query is None:
            return Page(items=[])
        query["ScanIndexForward"] = False
        items = self._query(layout.project(query, "data", "sk"), limit + 1)
        return newest_first_page([(layout.item_data(i), i["sk"]["S"]) for i in items], limit)

    def gold(
        self, aggregation: str, since: str, until: str, *, limit: int, cursor: str | None = None
    ) -> Page:
        until = resume_until(until, cursor)
        query = layout.range_query(self.tables.gold, aggregation, since, until)
        if query is None:
            return Page(items=[])
        query["ScanIndexForward"] = False
        points = [self._gold_point(aggregation, i) for i in self._query(query, limit + 1)]
        return newest_first_page([(p.as_dict(), p.window_end) for p in points], limit)

    def _gold_point(self, aggregation: str, item: Item) -> GoldPoint:
        steps = dynamo_gold.read_point(self.tables.gold, aggregation, item)
        answer: Any = None
        while True:
            try:
                kind, request = steps.send(answer)
            except StopIteration as done:
                point: GoldPoint = done.value
                return point
            if kind == "query":
                answer = self._query(request)
            else:
                with translated(f"read gold {aggregation}", self.place):
                    answer = self._ddb.get_item(**request)

    def gold_latest(self, aggregation: str) -> dict[str, Any] | None:
        page = self.gold(aggregation, "", "~", limit=1)
        return page.items[0] if page.items else None

    def states(self) -> dict[str, dict[str, Any]]:
        query = layout.kind_query(self.tables.state, "state")
        return {i["source"]["S"]: decode(i["data"]) for i in self._query(query)}

    def get_object(self, key: str) -> bytes | None:
        if not self.bucket:
            return None
        with translated(f"get s3://{self.bucket}/{key}", self.place):
            try:
                answer = self.s3.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) in NOT_FOUND:
                    return None
                raise
            body: bytes = answer["Body"].read()
        return body
