"""Fixtures for the replay upstream's own tests."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from replay_upstream.pytest_plugin import (  # noqa: F401  (fixtures)
    Replay,
    replay_upstream,
    replay_upstream_server,
)

from .helpers import Answer, Fetch


@pytest.fixture
def fetch(replay_upstream: Replay) -> Fetch:  # noqa: F811
    """``fetch(path, headers=None, **params)``: a GET on the replay server."""

    def get(path: str, headers: dict[str, str] | None = None, **params: Any) -> Answer:
        query = urllib.parse.urlencode(params)
        url = f"{replay_upstream.url}{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, dict(exc.headers), exc.read())

    return get
