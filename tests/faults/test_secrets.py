"""Secrets echoed by the upstream are never stored nor served.

The replay upstream's ``echo_credential`` fault answers an error quoting the request's own
credential (an Opendatasoft 401 quoting ``Authorization: Apikey <key>``, a Navitia 401 and a
Navitia 200 error object quoting the token). With an API key and an SNCF token configured the
sources run through the real command line; then no file under the data directory (gzip
bodies and spool files opened, SQLite pages read as they are on disk), no S3 object or
DynamoDB item, no ``status``/``dlq`` output, log line or API answer holds either secret.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from api.serve import load_app
from collector.settings import Settings
from collector.storage import make_reader
from collector.storage.local import LocalStore
from tests.immutable import read_only

from .helpers import GARE_DE_LYON, GARE_DU_NORD, TRAFFIC, Collector, Replay, aws_env

PARKING_REFERENCE = "/datasets/stationnement-en-ouvrage/"

APIKEY = f"ods-key-{uuid.uuid4().hex}"
TOKEN = str(uuid.uuid4())
APP = load_app()


def forms(*secrets: str) -> list[bytes]:
    """Each secret as an upstream or an HTTP library could spell it."""
    out: list[bytes] = []
    for secret in secrets:
        out.append(secret.encode())
        for userinfo in (f"{secret}:", secret):
            out.append(base64.b64encode(userinfo.encode()).rstrip(b"="))
    return out


FORBIDDEN = forms(APIKEY, TOKEN)


def leaks(data: bytes | str) -> list[bytes]:
    blob = data.encode() if isinstance(data, str) else data
    return [f for f in FORBIDDEN if f in blob]


def _opened(path: Path) -> Iterator[bytes]:
    """A file as stored, and decoded when it is gzip (bronze bodies, spool entries)."""
    raw = path.read_bytes()
    yield raw
    if raw[:2] == b"\x1f\x8b":
        yield gzip.decompress(raw)
    if path.suffix == ".sqlite3":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            yield "\n".join(conn.iterdump()).encode()


def leaking_files(root: Path) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for content in _opened(path):
            if leaks(content):
                found[str(path.relative_to(root))] = leaks(content)
    return found


def sqlite_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return list(conn.execute(sql))


def api_answers(settings: Settings) -> dict[str, str]:
    """The body of every GET route without a path parameter, decoded."""
    from chalice.test import Client
    from chalicelib import context

    context.configure(settings)
    answers: dict[str, str] = {}
    try:
        with Client(APP) as client:
            for path, methods in sorted(APP.routes.items()):
                if "GET" not in methods or "{" in path:
                    continue
                response = client.http.get(path)
                body = response.body
                if response.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                assert response.status_code < 500, (path, body[:300])
                answers[path] = body.decode("utf-8", "replace")
    finally:
        context.configure(None)
    return answers


def echo_everywhere(replay: Replay) -> None:
    """Opendatasoft 401s quoting the key; a station's 200 error object quoting the token."""
    replay.fault("echo_credential", match=TRAFFIC, status=401)
    replay.fault("echo_credential", match=PARKING_REFERENCE, status=401)
    replay.fault("echo_credential", match=GARE_DE_LYON, status=200)


def outputs(*runs: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(r.stdout + r.stderr for r in runs)


@pytest.fixture
def armed(collector: Collector) -> Collector:
    collector.env.update(PARIS_OPENDATA_APIKEY=APIKEY, PARIS_SNCF_TOKEN=TOKEN)
    for name in ("traffic", "parking", "departures"):
        collector.sources[name]["enabled"] = True
    return collector


def test_the_fault_really_echoes_the_credential(replay_upstream: Replay) -> None:
    """Guard of the suite: without masking, the secrets would be there to find."""
    import urllib.error
    import urllib.request

    replay_upstream.fault("echo_credential", match=TRAFFIC, status=401)
    request = urllib.request.Request(
        f"{replay_upstream.url}{TRAFFIC}/records", headers={"Authorization": f"Apikey {APIKEY}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert leaks(refused.value.read()) == [APIKEY.encode()]


def test_secrets_echoed_by_the_upstream_are_not_stored_nor_served(
    armed: Collector, replay_upstream: Replay
) -> None:
    echo_everywhere(replay_upstream)
    first = armed.cli("once")
    assert first.returncode == 1, outputs(first)  # traffic and parking refused
    # A Navitia 401 quoting the token fails the departures run.
    replay_upstream.clear_faults()
    replay_upstream.fault("echo_credential", match="/v1/", status=401)
    second = armed.cli("once", "departures")
    assert second.returncode == 1, outputs(second)

    db = armed.db
    states = {name: json.loads(data) for name, data in sqlite_rows(db, "SELECT * FROM state")}
    # What was stored says what happened, with the secret masked out of it.
    assert "The API key provided is not valid: Apikey ***" in states["traffic"]["last_error"]
    assert "Apikey ***" in states["parking"]["last_error"]
    assert "invalid token: ***" in states["departures"]["last_error"]
    reasons = [r for (r,) in sqlite_rows(db, "SELECT reason FROM rejects")]
    assert any("request refused for credential ***" in r for r in reasons), reasons
    [bronze] = list((armed.data_dir).rglob("raw/departures/**/*.gz"))
    stored = gzip.decompress(bronze.read_bytes())
    assert b"request refused for credential ***" in stored
    # The bronze metadata describes the payload as stored, and says it was rewritten.
    meta = json.loads(bronze.with_name(bronze.name + ".meta.json").read_bytes())
    assert meta["sha256"] == hashlib.sha256(stored).hexdigest()
    assert (meta["bytes"], meta["secrets_masked"]) == (str(len(stored)), "1")

    assert leaking_files(armed.data_dir) == {}
    assert leaks(outputs(first, second)) == []  # log lines

    status, as_json, dlq = (
        armed.cli("status"),
        armed.cli("status", "--json"),
        armed.cli("dlq", "list"),
    )
    assert status.returncode == 1 and "***" in status.stdout, outputs(status)
    assert json.loads(as_json.stdout)["sources"]["traffic"]["last_status"] == "failed"
    assert "credential ***" in dlq.stdout, outputs(dlq)
    assert leaks(outputs(status, as_json, dlq)) == []

    answers = api_answers(armed.settings())
    sources = {s["name"]: s for s in json.loads(answers["/sources"])["data"]}
    assert "Apikey ***" in sources["traffic"]["last_error"]
    assert {path: leaks(body) for path, body in answers.items() if leaks(body)} == {}


def test_a_spooled_payload_is_masked_before_it_reaches_the_disk(
    armed: Collector, replay_upstream: Replay
) -> None:
    """Storage refuses the write: the payload quoting the token waits in the spool masked, and
    lands masked once the database is writable again."""
    armed.sources["departures"]["stop_areas"] = [GARE_DE_LYON, GARE_DU_NORD]
    assert armed.cli("init").returncode == 0
    db = armed.db
    replay_upstream.fault("echo_credential", match=GARE_DE_LYON, status=200)
    files = [p for p in (db, db.with_name(db.name + "-wal")) if p.exists()]
    with read_only(files):
        spooled = armed.cli("once", "departures")
        assert spooled.returncode == 1, outputs(spooled)
        entries = list((armed.data_dir / "spool").glob("*.spool"))
        assert len(entries) == 1, outputs(spooled)
        assert b"credential ***" in gzip.decompress(entries[0].read_bytes())
        assert leaking_files(armed.data_dir) == {}
    replayed = armed.cli("once", "departures")
    assert replayed.returncode == 0, outputs(replayed)
    assert not list((armed.data_dir / "spool").glob("*.spool"))
    assert len(list(armed.data_dir.rglob("raw/departures/**/*.gz"))) == 2
    assert leaking_files(armed.data_dir) == {}
    assert leaks(outputs(spooled, replayed)) == []


async def test_state_saved_before_masking_is_masked_on_read(
    armed: Collector, replay_upstream: Replay
) -> None:
    """A state written by an older version still holds the secret: ``status``, ``status
    --json`` and the API's ``/sources`` mask it, as they mask credential shapes of secrets
    this process was never told about."""
    unknown = "never-configured-" + uuid.uuid4().hex
    error = (
        f"GET https://opendata.paris.fr/x?apikey={unknown} answered 401: key {APIKEY}"
        f" (Authorization: Bearer {unknown}) via https://operator:{unknown}@proxy:3128"
    )
    async with LocalStore(armed.data_dir) as old:  # no masking: as an old version wrote it
        await old.init()
        await old.put_state(
            "traffic", {"last_status": "failed", "last_error": error, "consecutive_failures": 1}
        )
    assert leaks(armed.db.read_bytes()) != []  # the old state really holds the key

    status = armed.cli("status")
    as_json = armed.cli("status", "--json")
    assert "apikey=***" in status.stdout and "Bearer ***" in status.stdout, outputs(status)
    for shown in (status.stdout, as_json.stdout):
        assert APIKEY not in shown and unknown not in shown

    settings = armed.settings().model_copy(update={"opendata_apikey": None})
    answers = api_answers(settings)
    [traffic] = [s for s in json.loads(answers["/sources"])["data"] if s["name"] == "traffic"]
    assert traffic["last_error"].startswith("GET https://opendata.paris.fr/x?apikey=***")
    assert "operator:***@proxy" in traffic["last_error"]
    assert unknown not in answers["/sources"]
    # One state read alone (what an answer's freshness reads) is masked the same way.
    reader = make_reader(settings)
    try:
        one = reader.state("traffic")
    finally:
        reader.close()
    assert one["last_error"] == traffic["last_error"] and unknown not in str(one)


def test_secrets_are_masked_on_the_aws_backend(
    armed: Collector, replay_upstream: Replay, aws_endpoint: str
) -> None:
    armed.env.update(
        **aws_env(aws_endpoint, "paris-secrets", "secrets_"),
    )
    assert armed.cli("init").returncode == 0
    echo_everywhere(replay_upstream)
    run = armed.cli("once")
    assert run.returncode == 1, outputs(run)

    s3 = boto3.client("s3", endpoint_url=aws_endpoint, region_name="eu-west-3")
    bodies = []
    for item in s3.list_objects_v2(Bucket="paris-secrets").get("Contents", []):
        obj = s3.get_object(Bucket="paris-secrets", Key=item["Key"])
        body = obj["Body"].read()
        bodies.append(json.dumps(obj["Metadata"]).encode())
        bodies.append(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
    assert any(b"credential ***" in b for b in bodies)
    dynamodb = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="eu-west-3")
    items = [
        json.dumps(page["Items"], default=str)
        for table in dynamodb.list_tables()["TableNames"]
        for page in dynamodb.get_paginator("scan").paginate(TableName=table)
    ]
    assert any("Apikey ***" in text for text in items)
    assert [b for b in bodies if leaks(b)] == []
    assert [t for t in items if leaks(t)] == []

    status = armed.cli("status", "--json")
    # The run above failed (the upstream refused the key): status says so, in JSON too.
    assert status.returncode == 1 and leaks(outputs(status, run)) == [], outputs(status)
    answers = api_answers(armed.settings())
    assert "Apikey ***" in answers["/sources"]
    assert {path: leaks(body) for path, body in answers.items() if leaks(body)} == {}
