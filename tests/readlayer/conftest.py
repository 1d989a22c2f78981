"""The read layer on both backends: SQLite, and DynamoDB on the session's moto server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

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
