"""Both storage backends behind the same fixtures, so every conformance test runs on each."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import pytest

from collector.settings import Settings
from collector.storage import Reader, Store, make_reader, make_store


@pytest.fixture(params=["local", "aws"])
def settings(request: pytest.FixtureRequest) -> Settings:
    value: Settings = request.getfixturevalue(f"{request.param}_settings")
    return value


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    async with make_store(settings) as opened:
        await opened.init()
        yield opened


@pytest.fixture
def reader(settings: Settings, store: Store) -> Iterator[Reader]:
    opened = make_reader(settings)
    yield opened
    opened.close()


@pytest.fixture
def dynamodb(aws_settings: Settings) -> Any:
    """A plain boto3 client on the moto server, to look at what the AWS backend wrote."""
    return boto3.client(
        "dynamodb", endpoint_url=aws_settings.aws_endpoint_url, region_name=aws_settings.aws_region
    )


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
