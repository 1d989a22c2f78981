"""A plugin kept outside the repository gets its API routes with no change to the API.

A source and an analytic are written as folders into a temporary ``PARIS_PLUGIN_DIR``; the
source is collected with ``paris-collector once`` from a local aiohttp server, the analytic
run with ``paris-collector aggregate``; then ``python -m api.serve`` (routes declared at
import, from discovery) and the same app on a frozen manifest (what Lambda runs) serve them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from collector.settings import Settings
from readlayer.manifest import discover_manifest, write_manifest

ROOT = Path(__file__).resolve().parents[2]

SOURCE = '''
"""Docks of a bike-share scheme: ``{url}/stations.json``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Literal

import orjson
from pydantic import Field

from collector.plugin import FetchContext, Fetched, Parsed, Record, Source, SourceSettings, validate


class DockSettings(SourceSettings):
    url: str = "http://127.0.0.1:9/"


class Dock(Record):
    name: str
    arrondissement: int | None = Field(default=None, ge=1, le=20)
    state: Literal["open", "closed"]
    bikes: int = Field(ge=0)
    lat: float
    lon: float


async def fetch(ctx: FetchContext) -> Fetched:
    url = ctx.settings.url.rstrip("/") + "/stations.json"
    response = await ctx.http.get(url)
    return Fetched(payload=response.body, meta={"url": url, "status": str(response.status)})


def parse(payload: bytes) -> Iterable[Parsed]:
    for row in orjson.loads(payload):
        yield validate(Dock, row)


SOURCE = Source(
    name="bikeshare",
    description="bike-share docks",
    interval=timedelta(minutes=1),
    records=(Dock,),
    fetch=fetch,
    parse=parse,
    settings=DockSettings,
    licence="Licence Ouverte v2.0 (Etalab)",
    attribution="Bike-share operator",
)
'''

AGGREGATION = '''
"""Bikes available across the docks."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from collector.plugin import Aggregation, Inputs, Window


class BikesAvailable(BaseModel):
    docks: int
    open_docks: int
    bikes: int


def compute(inputs: Inputs, window: Window) -> BikesAvailable:
    docks = inputs.latest["bikeshare"]
    return BikesAvailable(
        docks=len(docks),
        open_docks=sum(1 for d in docks if d["state"] == "open"),
        bikes=sum(int(d["bikes"]) for d in docks),
    )


AGGREGATION = Aggregation(
    name="bikeshare_total",
    description="bikes available now",
    inputs=("bikeshare",),
    latest_inputs=("bikeshare",),
    interval=timedelta(minutes=5),
    window=timedelta(hours=1),
    output=BikesAvailable,
    compute=compute,
)
'''

DOCKS = [
    # id, name, arrondissement, state, bikes
    ("12", "Bastille", 11, "open", 7),
    ("3", "Oberkampf", 11, "closed", 0),
    ("200", "Vincennes", None, "open", 12),
    ("25", "Marais", 4, "open", 3),
]


def upstream_body() -> bytes:
    at = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    rows = [
        {"entity_id": i, "observed_at": at, "name": n, "arrondissement": a, "state": s,
         "bikes": b, "lat": 48.85, "lon": 2.37}
        for i, n, a, s, b in DOCKS
    ]  # fmt: skip
    return json.dumps(rows).encode()


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """A local aiohttp server answering the plugin's upstream format."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    address: list[str] = []

    async def stations(request: web.Request) -> web.Response:
        return web.Response(body=upstream_body(), content_type="application/json")

    app = web.Application()
    app.router.add_get("/stations.json", stations)
    runner = web.AppRunner(app)

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        address.append(f"http://{host}:{port}")
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()))
    thread.start()
    assert started.wait(10)
    yield address[0]
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory, upstream: str) -> dict[str, str]:
    """The plugin folders, collected once and aggregated; the environment that reads them."""
    base = tmp_path_factory.mktemp("catalogue")
    plugins = base / "plugins"
    for kind, name, text in (
        ("sources", "bikeshare", SOURCE),
        ("aggregations", "bikeshare_total", AGGREGATION),
    ):
        folder = plugins / kind / name
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text(textwrap.dedent(text))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARIS_")}
    env.update(
        PARIS_STORAGE="local",
        PARIS_DATA_DIR=str(base / "data"),
        PARIS_PLUGIN_DIR=str(plugins),
        PARIS_SOURCES__BIKESHARE__URL=upstream,
        PARIS_LOG_FORMAT="json",
    )
    cli = [sys.executable, "-c", "import sys; from collector.cli import main; sys.exit(main())"]
    listed = subprocess.run(
        [*cli, "plugins"], cwd=base, env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    for name in ("bikeshare", "bikeshare_total"):
        [row] = [line for line in listed.stdout.splitlines() if line.split()[1:2] == [name]]
        assert "plugin folder" in row or str(plugins) in row, row
    for command in (["once", "bikeshare"], ["aggregate", "bikeshare_total"]):
        done = subprocess.run(
            [*cli, *command], cwd=base, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return env


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return response.status, dict(response.headers), json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def serve(env: dict[str, str]) -> Iterator[str]:
    command = [sys.executable, "-m", "api.serve", "--host", "127.0.0.1", "--port", "0"]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None
            found = re.search(r"http://[0-9.:]+", server.stdout.readline())
            assert found, server.stderr.read() if server.stderr else ""
            yield found[0]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def api(installation: dict[str, str]) -> Iterator[str]:
    yield from serve(installation)


@pytest.fixture(scope="module")
def lambda_like(
    installation: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app on a frozen manifest (as ``build_vendor`` writes it) and no plugin folder."""
    settings = Settings(_env_file=None, plugin_dir=Path(installation["PARIS_PLUGIN_DIR"]))
    manifest = tmp_path_factory.mktemp("frozen") / "paris_api_manifest.json"
    write_manifest(discover_manifest(settings), manifest)
    env = {k: v for k, v in installation.items() if k != "PARIS_PLUGIN_DIR"}
    env.update(PARIS_API_MANIFEST=str(manifest))
    yield from serve(env)


def test_the_plugin_is_in_the_document_with_its_schemas(api: str) -> None:
    status, _, doc = fetch(f"{api}/openapi.json")
    assert status == 200
    paths = doc["paths"]
    expected = (
        "/datasets", "/datasets/bikeshare", "/datasets/bikeshare/{entity_id}/history",
        "/aggregation_bikeshare_total", "/parkings", "/aggregation_departures_total",
    )  # fmt: skip
    for path in expected:
        assert set(paths[path]) == {"get"}, path
    snapshot = paths["/datasets/bikeshare"]["get"]
    listed = snapshot["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["properties"]["data"]["items"] == {"$ref": "#/components/schemas/Dock"}
    dock = doc["components"]["schemas"]["Dock"]
    assert {"name", "arrondissement", "state", "bikes", "lat", "lon"} <= set(dock["properties"])
    params = {p["name"]: p for p in snapshot["parameters"]}
    assert params["state"]["schema"] == {"type": "string", "enum": ["open", "closed"]}
    assert params["arrondissement"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 20}
    assert "lat" not in params and "observed_at" not in params  # no equality on measures
    gold = doc["components"]["schemas"]["Gold_bikeshare_total"]
    assert gold["properties"]["data"]["$ref"] == "#/components/schemas/BikesAvailable"
    assert set(doc["components"]["schemas"]["BikesAvailable"]["properties"]) == {
        "docks", "open_docks", "bikes", "excluded",
    }  # fmt: skip


def test_the_snapshot_answers_with_the_collected_records(api: str) -> None:
    status, headers, body = fetch(f"{api}/datasets/bikeshare")
    assert status == 200
    assert [d["entity_id"] for d in body["data"]] == ["3", "12", "25", "200"]
    assert body["meta"]["licence"] == "Licence Ouverte v2.0 (Etalab)"
    assert body["meta"]["attribution"] == "Bike-share operator"
    assert body["meta"]["freshness"]["stale"] is False
    assert headers["Cache-Control"] == "public, max-age=30"  # half the source's interval
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, _, again = fetch(f"{api}/datasets/bikeshare", **{"If-None-Match": headers["ETag"]})
    assert (status, again) == (304, None)


def test_the_snapshot_filters_and_pages(api: str) -> None:
    _, _, body = fetch(f"{api}/datasets/bikeshare?arrondissement=11&state=open")
    assert [d["name"] for d in body["data"]] == ["Bastille"]
    _, _, first = fetch(f"{api}/datasets/bikeshare?limit=3")
    assert len(first["data"]) == 3 and first["meta"]["next"]
    _, _, rest = fetch(f"{api}/datasets/bikeshare?limit=3&next={first['meta']['next']}")
    assert [d["entity_id"] for d in rest["data"]] == ["200"] and rest["meta"]["next"] is None
    _, _, shouted = fetch(f"{api}/datasets/bikeshare?state=OPEN&name=BASTILLE")  # case ignored
    assert [d["name"] for d in shouted["data"]] == ["Bastille"]
    for query, parameter in (("arrondissement=21", "arrondissement"), ("state=shut", "state"),
                             ("bikes_now=1", "bikes_now"), ("limit=0", "limit")):  # fmt: skip
        status, headers, error = fetch(f"{api}/datasets/bikeshare?{query}")
        assert (status, error["error"]["parameter"]) == (400, parameter), query
        assert headers["Cache-Control"] == "no-store"


def test_history_and_the_analytic_answer(api: str) -> None:
    status, _, body = fetch(f"{api}/datasets/bikeshare/12/history")
    assert status == 200 and [d["bikes"] for d in body["data"]] == [7]
    status, _, missing = fetch(f"{api}/datasets/bikeshare/999/history")
    assert (status, missing["error"]["parameter"]) == (404, "entity_id")
    status, _, gold = fetch(f"{api}/aggregation_bikeshare_total")
    assert status == 200
    assert gold["data"][0]["data"] == {"docks": 4, "open_docks": 3, "bikes": 22, "excluded": {}}
    assert gold["meta"]["sources"] == ["bikeshare"]
    assert gold["meta"]["licence"] == "Licence Ouverte v2.0 (Etalab)"
    _, _, listed = fetch(f"{api}/datasets")
    entry = next(d for d in listed["data"] if d["name"] == "bikeshare")
    assert entry["history_path"] == "/datasets/bikeshare/{entity_id}/history"
    assert {"arrondissement", "state", "name"} <= set(entry["filters"])
    _, _, sources = fetch(f"{api}/sources")
    bikes = next(s for s in sources["data"] if s["name"] == "bikeshare")
    assert (bikes["enabled"], bikes["status"], bikes["records_total"]) == (True, "ok", 4)


def test_a_frozen_manifest_declares_the_same_routes(api: str, lambda_like: str) -> None:
    _, _, local = fetch(f"{api}/openapi.json")
    _, _, frozen = fetch(f"{lambda_like}/openapi.json")
    assert set(frozen["paths"]) == set(local["paths"])
    assert frozen["components"] == local["components"]
    _, _, body = fetch(f"{lambda_like}/datasets/bikeshare?state=closed")
    assert [d["name"] for d in body["data"]] == ["Oberkampf"]
    status, _, gold = fetch(f"{lambda_like}/aggregation_bikeshare_total")
    assert status == 200 and gold["data"][0]["data"]["bikes"] == 22
