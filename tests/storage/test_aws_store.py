"""What only the AWS backend has: request budget, batch retries, layout, setup and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from collector import keys
from collector.settings import Settings
from collector.storage import aws_batch, make_store
from collector.storage.aws import AwsStore
from collector.storage.aws_common import describe
from collector.storage.base import GoldPoint, Reject, Row, StorageError
from collector.storage.dynamo_reader import DynamoReader

T0 = datetime(2025, 11, 4, 19, 0, tzinfo=UTC)
EXPIRES = 2_000_000_000


def row(entity: str, at: datetime, dataset: str = "traffic") -> Row:
    observed = keys.ts(at)
    data = {"id": entity, "observed_at": observed, "count": 1}
    return Row(dataset, entity, observed, data, keys.raw_key("traffic", at))


@pytest.fixture
async def aws(aws_settings: Settings) -> AsyncIterator[AwsStore]:
    async with AwsStore(aws_settings) as store:
        await store.init()
        yield store


def test_a_bucket_is_required() -> None:
    settings = Settings(_env_file=None, storage="aws", s3_bucket=None)  # type: ignore[call-arg]
    with pytest.raises(StorageError, match="PARIS_S3_BUCKET"):
        make_store(settings)


async def test_write_requests_stay_within_budget(aws: AwsStore) -> None:
    rows = [row(f"e{i:03d}", T0 + timedelta(seconds=i % 60)) for i in range(500)]
    await aws.put_rows(rows, history=True, expires_at=EXPIRES)
    # 500 history items and 500 latest items, in full batches of 25: 40 per 1,000 items.
    assert aws.write_requests == 40

    parking = [row(f"p{i:03d}", T0, dataset="parking") for i in range(510)]
    await aws.put_rows(parking, history=False, expires_at=EXPIRES)
    assert aws.write_requests - 40 == 21
    assert len(await aws.read_latest("parking")) == 510


class Throttled:
    """A DynamoDB client that leaves half of each batch unprocessed ``refusals`` times."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.sizes: list[int] = []

    async def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        ((table, requests),) = RequestItems.items()
        self.sizes.append(len(requests))
        if len(self.sizes) <= self.refusals:
            return {"UnprocessedItems": {table: requests[len(requests) // 2 :]}}
        return {"UnprocessedItems": {}}

    async def query(self, **_: Any) -> dict[str, Any]:
        return {"Items": []}


@pytest.fixture
def offline_store(monkeypatch: pytest.MonkeyPatch) -> AwsStore:
    monkeypatch.setattr(aws_batch, "BACKOFF_BASE", 0.0)
    settings = Settings(_env_file=None, storage="aws", s3_bucket="paris-test")  # type: ignore[call-arg]
    return AwsStore(settings)


async def test_unprocessed_items_are_retried(offline_store: AwsStore) -> None:
    client = Throttled(refusals=2)
    offline_store._ddb = client  # type: ignore[assignment]
    rows = [row(f"e{i}", T0) for i in range(25)]
    assert await offline_store.put_rows(rows, history=False, expires_at=EXPIRES) == 25
    assert client.sizes == [25, 13, 7]
    assert offline_store.write_requests == 3


async def test_persistent_throttling_becomes_a_storage_error(offline_store: AwsStore) -> None:
    offline_store._ddb = Throttled(refusals=1000)  # type: ignore[assignment]
    with pytest.raises(StorageError, match="unprocessed after"):
        await offline_store.put_rows([row("e1", T0)], history=True, expires_at=EXPIRES)


async def test_reads_are_queries_never_scans(aws: AwsStore, aws_settings: Settings) -> None:
    calls: list[tuple[str, str | None]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params.get("IndexName")))

    reader = DynamoReader(aws_settings)
    for client in (aws.ddb, reader._ddb):
        client.meta.events.register("before-parameter-build.dynamodb.*", record)
    days = [T0 + timedelta(days=d) for d in range(3)]
    await aws.put_rows([row("e1", d) for d in days], history=True, expires_at=EXPIRES)
    await aws.put_rejects([Reject("traffic", keys.raw_key("traffic", T0), 0, "bad", {}, "now")])
    point = GoldPoint("g", keys.ts(T0), keys.ts(T0), keys.ts(T0), {"n": 1})
    await aws.put_gold(point, expires_at=EXPIRES)
    calls.clear()

    window = await aws.read_window("traffic", T0 - timedelta(hours=1), days[-1])
    assert len(window) == 3
    assert calls == [("Query", "by_day")] * 3  # one per UTC day
    await aws.read_latest("traffic")
    await aws.list_rejects()
    await aws.read_gold("g", "", "~")
    reader.history("traffic", "e1", "", "~", limit=2)
    reader.gold("g", "", "~", limit=5)
    reader.states()
    reader.latest("traffic")
    reader.close()
    assert {name for name, _ in calls} == {"Query"}


async def test_init_completes_an_older_layout(aws_settings: Settings) -> None:
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=aws_settings.aws_endpoint_url, region_name=aws_settings.aws_region
    )
    dynamodb.create_table(
        TableName="test_silver",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )
    async with AwsStore(aws_settings) as store:
        created = await store.init()
        assert "index by_day on test_silver" in created
        assert "ttl expires_at on test_silver" in created
        assert "table test_silver" not in created
        assert await store.init() == []
        await store.check()


async def test_raw_objects_are_gzip_json_with_ascii_metadata(aws: AwsStore) -> None:
    key = keys.raw_key("traffic", T0)
    await aws.put_raw(key, b"\x1f\x8b-not-really", {"url": "https://x/é", "status": "200"})
    s3 = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=aws.region)
    head = s3.head_object(Bucket=aws.bucket, Key=key)
    assert (head["ContentType"], head["ContentEncoding"]) == ("application/json", "gzip")
    assert head["Metadata"]["status"] == "200"
    assert head["Metadata"]["url"].isascii()
    assert (await aws.get_raw(key)).body == b"\x1f\x8b-not-really"


async def test_missing_storage_says_to_run_init(aws_settings: Settings) -> None:
    async with AwsStore(aws_settings) as store:
        with pytest.raises(StorageError, match="paris-test does not exist: run 'paris-collector"):
            await store.check()
        await store.s3.create_bucket(
            Bucket="paris-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        with pytest.raises(StorageError, match="run 'paris-collector init'"):
            await store.check()
        with pytest.raises(StorageError, match="run 'paris-collector init'"):
            await store.put_rows([row("e1", T0)], history=True, expires_at=EXPIRES)
        with pytest.raises(KeyError):
            await store.get_raw("raw/traffic/nothing.json.gz")


async def test_unreachable_endpoint_is_named_and_secrets_are_not(
    aws_settings: Settings, closed_port: int
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port}"
    dead = aws_settings.model_copy(update={"aws_endpoint_url": endpoint})
    async with AwsStore(dead, max_attempts=1) as store:
        for attempt in (
            store.put_raw("raw/x", b"", {}),
            store.get_raw("raw/x"),
            store.put_rows([row("e1", T0)], history=True, expires_at=EXPIRES),
            store.read_window("traffic", T0 - timedelta(hours=1), T0),
            store.get_state("traffic"),
        ):
            with pytest.raises(StorageError) as caught:
                await attempt
            assert f"cannot reach {endpoint}" in str(caught.value)
            assert "testing" not in str(caught.value)


async def test_a_closed_store_says_so(aws_settings: Settings) -> None:
    store = AwsStore(aws_settings)
    with pytest.raises(StorageError, match="not open"):
        await store.get_state("traffic")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ProvisionedThroughputExceededException", "throttled by"),
        ("AccessDeniedException", "access denied by"),
        ("UnrecognizedClientException", "access denied by"),
        ("ValidationException", "ValidationException: boom"),
    ],
)
def test_aws_errors_read_well(code: str, expected: str) -> None:
    error = ClientError({"Error": {"Code": code, "Message": "boom"}}, "PutItem")
    assert expected in describe(error, "put state", "AWS region eu-west-3")


async def test_non_finite_numbers_name_the_record(aws: AwsStore) -> None:
    bad = Row("traffic", "e9", keys.ts(T0), {"speed": float("nan")}, "raw/x")
    with pytest.raises(ValueError, match="traffic e9 2025-11-04T19:00:00Z"):
        await aws.put_rows([bad], history=True, expires_at=EXPIRES)
