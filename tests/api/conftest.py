"""Fixtures of the API tests: the seeded store of each backend (SQLite, and DynamoDB on the
moto server of ``tests/conftest.py``) and ``chalice.test.Client`` on it.

Each backend is seeded once per session; each test then reads it through the app.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_testkit import APP, AWS_REGION, World, _seed
from chalice.test import Client
from chalicelib import context

from collector.settings import Settings
from collector.storage import StorageError

_WORLDS: dict[str, World] = {}


@pytest.fixture(scope="session")
def aws_credentials() -> Iterator[None]:
    """Fake credentials for the whole session (never a real account's)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", AWS_REGION),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ):
            mp.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
            mp.delenv(name, raising=False)
        yield


def make_world(backend: str, request: pytest.FixtureRequest) -> World:
    """The seeded store of a backend, made once per session."""
    if backend in _WORLDS:
        return _WORLDS[backend]
    data_dir = request.getfixturevalue("tmp_path_factory").mktemp("api") / "data"
    if backend == "aws":
        request.getfixturevalue("aws_credentials")
        endpoint = request.getfixturevalue("moto_server")
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=10):
            pass
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            storage="aws",
            data_dir=data_dir,
            s3_bucket="paris-api-test",
            table_prefix="api_",
            aws_endpoint_url=endpoint,
            aws_region=AWS_REGION,
        )
    else:
        settings = Settings(_env_file=None, storage="local", data_dir=data_dir)  # type: ignore[call-arg]
    world = World(backend=backend, settings=settings)
    asyncio.run(_seed(settings, world))
    _WORLDS[backend] = world
    return world


@pytest.fixture(scope="session", params=["local", "aws"])
def world(request: pytest.FixtureRequest) -> World:
    """A seeded store, once per backend."""
    return make_world(request.param, request)


@pytest.fixture(scope="session")
def local_world(request: pytest.FixtureRequest) -> World:
    return make_world("local", request)


_CHECKED: set[Any] = set()


@pytest.fixture
def api(world: World, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``chalice.test.Client(app).http`` reading the seeded store."""
    if context.configured() is not world.settings:
        context.configure(world.settings)  # plugins and readers are kept from test to test
    if world.backend == "aws" and request.module not in _CHECKED:
        # Other test packages reset the shared moto server: seed again if that happened.
        _CHECKED.add(request.module)
        try:
            seeded = bool(context.reader().states())
        except StorageError:
            seeded = False
        if not seeded:
            world.gold.clear()
            asyncio.run(_seed(world.settings, world))
    with Client(APP) as client:
        yield client.http


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[None]:
    """The API configured on a storage that cannot be reached."""
    context.configure(Settings(_env_file=None, storage="local", data_dir=tmp_path / "none"))  # type: ignore[call-arg]
    yield
    context.configure(None)
