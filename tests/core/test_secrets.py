"""The masking shared by logs, storage and readers (:mod:`collector.secrets`)."""

from __future__ import annotations

import base64
import io
import json
import uuid
from contextlib import redirect_stdout

import pytest
from pydantic import SecretStr

from collector import secrets
from collector.logs import configure, get_logger
from collector.plugin import Fetched, SourceSettings
from collector.plugin_settings import PluginSettings
from collector.settings import Settings

TOKEN = f"tok-{uuid.uuid4().hex}"
PLUGIN_SECRET = f"plugin-{uuid.uuid4().hex}"


class WithSecret(SourceSettings):
    password: SecretStr


@pytest.fixture(autouse=True, scope="module")
def registered() -> None:
    secrets.register(TOKEN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"401: the token {TOKEN} is unknown", "401: the token *** is unknown"),
        ("Authorization: Apikey unregistered99", "Authorization: Apikey ***"),
        ('{"authorization": "Bearer abcdefghijkl"}', '{"authorization": "Bearer ***"}'),
        (
            "GET /x?apikey=a1b2&limit=10&token=t0k&key=k3y",
            "GET /x?apikey=***&limit=10&token=***&key=***",
        ),
        ("https://user:hunter22@example.com/p", "https://user:***@example.com/p"),
        ("Basic " + base64.b64encode(b"someone:pw").decode(), "Basic ***"),
        # Not credentials: left as they are.
        ("Basic information, raw_key=raw/x monkey=1", "Basic information, raw_key=raw/x monkey=1"),
        ("https://opendata.paris.fr/api?limit=10", "https://opendata.paris.fr/api?limit=10"),
    ],
)
def test_texts_are_masked(text: str, expected: str) -> None:
    assert secrets.mask_text(text) == expected


def test_navitia_basic_auth_of_a_configured_token_is_masked_anywhere() -> None:
    encoded = base64.b64encode(f"{TOKEN}:".encode()).decode()
    assert secrets.mask_text(f"header was {encoded}") == "header was ***"
    payload, found = secrets.mask_payload(f'{{"echo": "{encoded}"}}'.encode())
    assert encoded.rstrip("=").encode() not in payload and payload.startswith(b'{"echo": "***')
    assert found == 1


def test_a_payload_stays_verbatim_but_for_the_secret() -> None:
    clean = json.dumps({"rows": [{"id": i, "name": f"arc {i}"} for i in range(1000)]}).encode()
    same, found = secrets.mask_payload(clean)
    assert same is clean and found == 0  # no copy when there is nothing to mask
    dirty = clean[:-2] + f', "echo": "{TOKEN}"}}'.encode() + clean[-2:]
    masked, found = secrets.mask_payload(dirty)
    assert found == 1
    assert masked == dirty.replace(TOKEN.encode(), b"***")


def test_a_fetched_payload_is_masked_with_its_meta_and_state() -> None:
    fetched = Fetched(
        payload=f"error quoting {TOKEN}".encode(),
        meta={"url": "https://x/?key=abc123"},
        state={"cursor": "2025-11-04T22:00:00+00:00", "n": 3},  # type: ignore[dict-item]
    )
    masked = secrets.mask_fetched(fetched)
    assert masked is not None
    assert masked.payload == b"error quoting ***"
    assert masked.meta == {"url": "https://x/?key=***", secrets.MASKED_META: "1"}
    assert masked.state == {"cursor": "2025-11-04T22:00:00+00:00", "n": 3}
    assert secrets.mask_fetched(None) is None


def test_every_secret_of_the_settings_is_registered() -> None:
    app = Settings(_env_file=None, opendata_apikey=f"ods-{uuid.uuid4().hex}")  # type: ignore[call-arg]
    plugins = PluginSettings(
        sources={"x": WithSecret(password=SecretStr(PLUGIN_SECRET))}, aggregations={}, disabled={}
    )
    secrets.register_settings(app, plugins)
    assert app.opendata_apikey is not None
    for value in (app.opendata_apikey.get_secret_value(), PLUGIN_SECRET):
        assert secrets.mask_text(f"<{value}>") == "<***>"


def test_short_values_are_not_masked_in_payloads() -> None:
    secrets.register("abcdef1")  # 7 characters: it would rewrite ordinary data
    assert secrets.mask_text("x abcdef1 y") == "x *** y"
    assert secrets.mask_payload(b"abcdef1") == (b"abcdef1", 0)


def test_log_lines_use_the_same_masking() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        configure("info", "json")
        get_logger().error("upstream said", error=f"Bearer {TOKEN}", url="http://h/?token=zz9")
    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (line["error"], line["url"]) == ("Bearer ***", "http://h/?token=***")
