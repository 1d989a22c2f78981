"""6. API: latency and throughput of four endpoints, in-process and over HTTP, both backends;
and the import time of the API app (a Lambda cold start) against ``import boto3`` alone.

The store is seeded by the daemon's own runners against the replay upstream (the newest
traffic hour of 2,977 arcs with the arc reference, car parks, departures) and the real
aggregations. In-process: ``chalice.test.Client``. HTTP: ``paris-collector api`` in a child
process on 127.0.0.1, one connection per request, requests one after the other.
"""

from __future__ import annotations

import gc
import http.client
import math
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import START, Env, Section, median, ms, num, ratio
from bench.services import services, source_options
from collector.daemon import run_once
from collector.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
API_DIR = ROOT / "api"
PATHS = (
    "/traffic",
    "/parkings",
    "/aggregation_traffic_congestion_index",
    "/aggregation_overall_occupancy_rate",
)
AWS_REQUESTS = 5  # the moto server answers /traffic in tens of seconds
TRAFFIC_VS_PARKINGS = 3.0  # issue 16: "now" in one read, /traffic p50 within 3x of /parkings
TRAFFIC_STORAGE_REQUESTS = 3
TARGETS = {  # in-process, SQLite, p99
    "/traffic": 0.150,
    "/aggregation_traffic_congestion_index": 0.050,
    "/aggregation_overall_occupancy_rate": 0.050,
}


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


async def seed(env: Env, storage: str) -> Settings:
    settings = env.settings(
        storage, env.fresh_dir(f"api-{storage}"), **source_options(stop_areas=3)
    )
    async with services(settings) as held:
        results = await run_once(held, ["traffic", "parking", "departures"])
        failed = [r for r in results if r.failed]
        assert not failed, f"seeding failed: {failed}"
        for runner in held.aggregators.values():
            await runner.run(now=START + timedelta(minutes=5))
    return settings


class StorageRequests:
    """Requests the API's own reader sends (S3 and DynamoDB, retries included), counted by
    botocore's ``before-send`` hook on its clients."""

    def __init__(self) -> None:
        self.sent = 0

    def count(self, **_: Any) -> None:
        self.sent += 1

    def watch(self, reader: Any) -> None:
        inner = getattr(reader, "inner", reader)  # the masking wrapper's backend
        for name in ("_ddb", "s3"):
            client = getattr(inner, name, None)
            if client is not None:
                client.meta.events.register("before-send", self.count)


class Collections:
    """The cyclic GC's pauses while it is installed (``gc.callbacks``), by generation."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {}
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.setdefault(info["generation"], []).append(time.perf_counter() - self._start)

    def __enter__(self) -> Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def describe(self) -> str:
        full = self.pauses.get(2, [])
        total = sum(sum(p) for p in self.pauses.values())
        longest = f", longest {ms(max(full))}" if full else ""
        return (
            f"{len(full)} full collection(s){longest}; all generations {ms(total)}"
            f" ({len(gc.get_objects()):,} objects tracked)"
        )


def in_process(
    settings: Settings,
    count: int,
    requests: dict[str, float] | None = None,
    collections: dict[str, Collections] | None = None,
) -> dict[str, tuple[list[float], int]]:
    """Latency of each path; with ``requests``, also the storage requests per call (AWS); with
    ``collections``, the GC's pauses during each path's timed requests."""
    from chalice.test import Client

    from api.serve import load_app

    app = load_app()
    from chalicelib import context  # type: ignore[import-not-found]  # api/ on sys.path now

    context.configure(settings)
    measured: dict[str, tuple[list[float], int]] = {}
    with Client(app) as client:
        for path in PATHS:
            size = 0
            for _ in range(2):  # warm-up: readers, caches
                response = client.http.get(path)
                assert response.status_code == 200, (path, response.status_code, response.body)
                size = len(response.body)
            counter = StorageRequests()
            if requests is not None:
                counter.watch(context.reader())
            times = []
            with Collections() as seen:
                for _ in range(count):
                    start = time.perf_counter()
                    client.http.get(path)
                    times.append(time.perf_counter() - start)
            measured[path] = (times, size)
            if collections is not None:
                collections[path] = seen
            if requests is not None:
                requests[path] = counter.sent / count
    context.configure(None)
    return measured


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    env |= {
        "PARIS_STORAGE": settings.storage,
        "PARIS_DATA_DIR": str(settings.data_dir),
        "PARIS_LOG_LEVEL": "error",
    }
    if settings.storage == "aws":
        env |= {
            "PARIS_S3_BUCKET": settings.s3_bucket or "",
            "PARIS_TABLE_PREFIX": settings.table_prefix,
            "PARIS_AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
            "AWS_REGION": settings.aws_region,
        }
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def get(port: int, path: str) -> tuple[int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def over_http(settings: Settings, count: int) -> dict[str, tuple[list[float], int]]:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "collector.cli",
        "api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(
        argv,
        env=environment(settings),
        cwd=settings.data_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/health")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("paris-collector api did not start") from None
                time.sleep(0.2)
        measured: dict[str, tuple[list[float], int]] = {}
        for path in PATHS:
            status, size = get(port, path)
            assert status == 200, (path, status)
            get(port, path)
            times = []
            for _ in range(count):
                start = time.perf_counter()
                get(port, path)
                times.append(time.perf_counter() - start)
            measured[path] = (times, size)
        return measured
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def now_in_one_read(
    section: Section, measured: dict[str, tuple[list[float], int]], requests: dict[str, float]
) -> None:
    """Issue 16's targets on moto: /traffic close to /parkings, and a few storage requests."""
    for path, sent in requests.items():
        section.row(f"storage requests per call, DynamoDB (moto) `{path}`", f"{sent:.1f}")
    traffic, parkings = median(measured["/traffic"][0]), median(measured["/parkings"][0])
    section.check(
        "API moto p50 `/traffic` vs `/parkings`",
        f"{ms(traffic)} vs {ms(parkings)}",
        f"<= {TRAFFIC_VS_PARKINGS:g}x",
        ratio(traffic, parkings),
        traffic <= TRAFFIC_VS_PARKINGS * parkings,
    )
    sent = requests["/traffic"]
    section.check(
        "API moto storage requests per `/traffic`",
        f"{sent:.1f}",
        f"<= {TRAFFIC_STORAGE_REQUESTS}",
        sent / TRAFFIC_STORAGE_REQUESTS,
        sent <= TRAFFIC_STORAGE_REQUESTS,
    )


def import_seconds(statement: str, manifest: Path | None = None) -> float:
    """Seconds to run ``statement`` in a fresh interpreter (interpreter start excluded).

    With ``manifest``, the app reads its routes from that frozen manifest as the Lambda bundle
    does (``python -m api.build_vendor`` ships one); without, it discovers the plugins, which
    imports every plugin and with them aiohttp, shapely and numpy (the local server's start).
    """
    code = (
        f"import sys, time; sys.path.insert(0, {str(API_DIR)!r}); t = time.perf_counter(); "
        f"{statement}; print(time.perf_counter() - t)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    if manifest is not None:
        env["PARIS_API_MANIFEST"] = str(manifest)
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=API_DIR, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def frozen_manifest(folder: Path) -> Path:
    """The manifest the Lambda bundle carries, made the way ``api.build_vendor`` makes it."""
    from collector.registry import discover
    from readlayer.manifest import manifest_from_registry, write_manifest

    path = folder / "paris_api_manifest.json"
    write_manifest(manifest_from_registry(discover(None)), path)
    return path


def describe(section: Section, label: str, measured: dict[str, tuple[list[float], int]]) -> None:
    for path, (times, size) in measured.items():
        section.row(
            f"{label} `{path}` ({size / 1024:,.0f} KiB)",
            f"p50 {ms(median(times))}, p99 {ms(p99(times))}, {num(len(times) / sum(times))} req/s",
        )


async def run(env: Env) -> Section:
    section = Section("6. API latency and cold start")
    counts = {
        ("local", "in-process"): 10 if env.quick else 200,
        ("local", "HTTP"): 3 if env.quick else 100,
        ("aws", "in-process"): AWS_REQUESTS,
        ("aws", "HTTP"): AWS_REQUESTS,
    }
    env.replay.reset()
    # --quick: the moto server takes seconds per /traffic request; SQLite only.
    backends = ("local",) if env.quick else ("local", "aws")
    for storage in backends:
        settings = await seed(env, storage)
        name = "SQLite" if storage == "local" else "DynamoDB (moto)"
        requests: dict[str, float] | None = {} if storage == "aws" else None
        collections: dict[str, Collections] = {}
        local = in_process(settings, counts[(storage, "in-process")], requests, collections)
        describe(section, f"{name}, in-process,", local)
        if storage == "local":
            seen = collections["/traffic"]
            section.row("GC during in-process SQLite `/traffic`", seen.describe())
        if requests is not None:
            now_in_one_read(section, local, requests)
        if storage == "local":
            for path, limit in TARGETS.items():
                value = p99(local[path][0])
                section.check(
                    f"API in-process SQLite p99 `{path}`",
                    ms(value),
                    f"<= {limit * 1000:g} ms",
                    value / limit,
                    value <= limit,
                )
        describe(section, f"{name}, HTTP,", over_http(settings, counts[(storage, "HTTP")]))
    env.reset_moto()

    runs = 1 if env.quick else max(env.runs, 5)
    manifest = frozen_manifest(env.fresh_dir("api-manifest"))
    app, discovered, boto = [], [], []
    for _ in range(runs):  # interleaved: a burst of load on the shared machine hits all three
        app.append(import_seconds("import app", manifest))
        discovered.append(import_seconds("import app"))
        boto.append(import_seconds("import boto3"))
    app_s, local_s, boto_s = median(app), median(discovered), median(boto)
    section.row("import of the API app as on Lambda (`import app`, frozen manifest)", ms(app_s))
    section.row("import of the API app, plugins discovered (`paris-collector api`)", ms(local_s))
    section.row("import boto3 alone", ms(boto_s))
    section.check(
        "API app import vs boto3",
        f"{ms(app_s)} vs {ms(boto_s)}",
        "<= 1.5x boto3's",
        ratio(app_s, boto_s),
        app_s <= 1.5 * boto_s,
    )
    section.check(
        "API app import with plugin discovery vs boto3",
        f"{ms(local_s)} vs {ms(boto_s)}",
        "(no target: the local server's start)",
        ratio(local_s, boto_s),
        None,
    )
    section.notes += [
        "Requests: "
        + ", ".join(f"{b} {m}: {n}" for (b, m), n in counts.items() if b in backends)
        + " per endpoint after 2 warm-ups; p99 of 20 or fewer samples is their maximum.",
        f"Import times: medians of {runs} fresh interpreters each, `sys.path` = api/ as on"
        " Lambda. The cold start is the app with the frozen manifest the Lambda bundle carries"
        " (`PARIS_API_MANIFEST`, made as `python -m api.build_vendor` makes it): the bundle has"
        " no plugin to discover. Without one (the local server) the app discovers the plugins"
        " to declare their routes, and importing them imports aiohttp, shapely and numpy.",
    ]
    if env.quick:
        section.notes.append("--quick: SQLite only (DynamoDB on moto takes minutes here).")
    return section
