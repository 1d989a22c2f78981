"""Fixtures shared by every test package.

AWS: one moto server per test session (moto's in-process mock does not work with aioboto3),
emptied before each test that asks for ``aws_endpoint``.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from collector.settings import Settings

# The replay upstream (the three Paris APIs in their real formats) for every test package.
pytest_plugins = ["replay_upstream.pytest_plugin"]

AWS_REGION = "eu-west-3"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The endpoint URL of a moto server shared by the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty moto server and fake credentials (never a real account's)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10):
        pass
    return moto_server


@pytest.fixture
def aws_settings(aws_endpoint: str, tmp_path: Path) -> Settings:
    """Settings for the aws storage against the moto server."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        storage="aws",
        data_dir=tmp_path / "data",
        s3_bucket="paris-test",
        table_prefix="test_",
        aws_endpoint_url=aws_endpoint,
        aws_region=AWS_REGION,
    )


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    """Settings for the local storage in a fresh directory."""
    return Settings(_env_file=None, storage="local", data_dir=tmp_path / "data")  # type: ignore[call-arg]
