"""Creating what the AWS backend needs (``paris-collector init``): idempotent, and each step
reports what it created so a second run says there was nothing to do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from collector.storage import dynamo_items as layout
from collector.storage.aws_common import NOT_FOUND, error_code

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_s3 import S3Client


async def ensure_bucket(s3: S3Client, bucket: str, region: str) -> list[str]:
    try:
        await s3.head_bucket(Bucket=bucket)
        return []
    except ClientError as exc:
        if error_code(exc) not in NOT_FOUND:
            raise
    if region == "us-east-1":  # the one region that refuses its own name as LocationConstraint
        await s3.create_bucket(Bucket=bucket)
    else:
        location: Any = {"LocationConstraint": region}
        await s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
    return [f"bucket {bucket}"]


async def ensure_table(
    ddb: DynamoDBClient, table: str, index: str | None, *, ttl: bool
) -> list[str]:
    """The table with its index and, if ``ttl``, expiry on ``expires_at``.

    A table from an older layout gets its missing index added (DynamoDB then back-fills it
    for a while before it answers queries).
    """
    created = []
    try:
        described = (await ddb.describe_table(TableName=table))["Table"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        await ddb.create_table(**layout.table_definition(table, index))
        # Real tables take seconds to become ACTIVE; the default 20 s poll would waste most.
        waiter = ddb.get_waiter("table_exists")
        await waiter.wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
        created.append(f"table {table}")
    else:
        indexes = {g["IndexName"] for g in described.get("GlobalSecondaryIndexes", [])}
        if index and index not in indexes:
            definition = layout.table_definition(table, index)
            create: Any = layout.index_definition(index)
            await ddb.update_table(
                TableName=table,
                AttributeDefinitions=definition["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": create}],
            )
            created.append(f"index {index} on {table}")
    if ttl:
        answer = await ddb.describe_time_to_live(TableName=table)
        status = answer.get("TimeToLiveDescription", {}).get("TimeToLiveStatus")
        if status not in {"ENABLED", "ENABLING"}:
            await ddb.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": layout.TTL_ATTRIBUTE},
            )
            created.append(f"ttl {layout.TTL_ATTRIBUTE} on {table}")
    return created
