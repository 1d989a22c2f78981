"""What the async store and the sync reader share about talking to AWS: client settings and
turning botocore's many failures into one readable :class:`StorageError`.

Messages carry the operation, the error code and AWS's message, never request parameters or
credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TypeVar

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.loaders import Loader, create_loader

from collector.storage.base import StorageError

C = TypeVar("C", bound=Config)

# The daemon fetches several sources at once; botocore's default pool of 10 would queue them.
POOL_CONNECTIONS = 64
DEFAULT_ATTEMPTS = 5

THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "SlowDown",
    "TooManyRequestsException",
}
ACCESS = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationTokenException",
}
MISSING = {"ResourceNotFoundException", "NoSuchBucket"}
# What S3 answers for a missing key or bucket (HEAD requests carry no error body).
NOT_FOUND = {"404", "NotFound", "NoSuchKey", "NoSuchBucket"}


def client_config(
    kind: type[C], max_attempts: int = DEFAULT_ATTEMPTS, *, path_style: bool = False
) -> C:
    """Client settings; ``kind`` is botocore's ``Config`` or aiobotocore's ``AioConfig``."""
    return kind(
        max_pool_connections=POOL_CONNECTIONS,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=30,
        tcp_keepalive=True,
        # Stand-ins (moto, SeaweedFS, s3rver) behind a plain host:port cannot do virtual hosts.
        s3={"addressing_style": "path"} if path_style else None,
    )


@cache
def shared_loader() -> Loader:
    """One botocore model loader per process: every new session would otherwise parse the S3
    and DynamoDB API models again (about half a second each time)."""
    return create_loader()


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def where(endpoint_url: str | None, region: str) -> str:
    return endpoint_url or f"AWS region {region}"


def describe(exc: BaseException, what: str, place: str) -> str:
    """A one-line explanation of an AWS failure for logs and the CLI."""
    if isinstance(exc, ClientError):
        code = error_code(exc) or "Unknown"
        message = str(exc.response.get("Error", {}).get("Message", "")) or code
        if code in THROTTLING:
            return f"{what}: throttled by {place} even after retries ({code})"
        if code in ACCESS:
            return f"{what}: access denied by {place} ({code}): check credentials and permissions"
        if code in MISSING:
            return f"{what}: {message} at {place}: run 'paris-collector init'"
        return f"{what}: {code}: {message}"
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return f"{what}: no usable AWS credentials (environment, profile or instance role)"
    if isinstance(exc, (ConnectionError, HTTPClientError, OSError)):
        return f"{what}: cannot reach {place}: {exc}"
    return f"{what}: {type(exc).__name__}: {exc}"


@contextmanager
def translated(what: str, place: str) -> Iterator[None]:
    """Re-raise AWS and network failures inside the block as :class:`StorageError`."""
    try:
        yield
    except (BotoCoreError, ClientError, OSError) as exc:
        raise StorageError(describe(exc, what, place)) from exc
