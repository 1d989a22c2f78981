"""8. The monthly AWS bill: a month of the default sources and a stated API load, priced.

Counted, not guessed: each default source runs through the daemon's own runner against the
replay upstream on the moto server, and botocore hooks on the daemon's clients count every
S3 and DynamoDB request and its bytes. One steady-state run of each source (its second, the
first one seeds) is scaled to a month at its default interval; traffic's arc reference, which
is fetched again once a day, is its first run less its second. The API load is
:data:`LOAD` requests a day per route, each measured once through the API app in-process on
moto with the same hooks.

DynamoDB capacity units are estimated from the request and response bodies on the wire:
a write unit per started KB of each item written, a read unit per started 4 KB of each
Query or GetItem page (half for an eventually consistent read). Wire JSON carries type tags
and attribute names, so this overstates item sizes a little: an upper estimate.

Prices are constants below, as published by AWS for eu-west-3 (Paris), on :data:`PRICED_ON`
to the best of this module's knowledge: check them at :data:`PRICES_URL` before relying on
the figure. Data transfer out, CloudWatch and the EC2 instance are not included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

import orjson

from bench.common import Env, Section, num
from bench.services import services
from collector.snapshot import PREFIX as SNAPSHOTS

PRICED_ON = "2025-01-15"
PRICES_URL = (
    "https://aws.amazon.com/pricing/ (S3, DynamoDB, Lambda, API Gateway, Athena; eu-west-3)"
)
PRICES = {  # USD, eu-west-3 (Paris)
    "s3_gb_month": 0.024,  # S3 Standard, first 50 TB
    "s3_put_1000": 0.0053,  # PUT, COPY, POST, LIST
    "s3_get_1000": 0.00042,  # GET, SELECT and others
    "ddb_wru_million": 0.7625,  # on-demand write request units (after the Nov. 2024 cut)
    "ddb_rru_million": 0.1525,  # on-demand read request units
    "ddb_gb_month": 0.2970,  # table storage, Standard class (25 GB free not deducted)
    "lambda_gb_s": 0.0000166667,  # x86
    "lambda_million": 0.20,
    "apigw_million": 3.70,  # REST API, first 333 million a month
    "athena_tb": 5.00,  # per TB scanned, 10 MB minimum per query
}
DAYS = 30
LOAD = {  # the stated API and dashboard load, requests a day per route
    "/traffic": 2_000,
    "/parkings": 2_000,
    "/aggregation_traffic_congestion_index": 1_000,
    "/aggregation_overall_occupancy_rate": 1_000,
}
LAMBDA_GB = 0.5  # api/.chalice/config.json lambda_memory_size
COMPUTE_S = 0.020  # assumed handler compute a call, besides its storage requests
STORAGE_ROUND_TRIP_S = 0.015  # assumed per storage request from Lambda (moto's are no guide)
RETENTION_DAYS = 90  # silver history, the sources' default retention_days
ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each stored item


@dataclass
class Counted:
    """Requests and bytes of one stretch of work."""

    s3_put: float = 0
    """PUT, COPY, POST and LIST requests (priced alike)."""
    s3_get: float = 0
    s3_put_bytes: float = 0
    ddb_requests: float = 0
    wru: float = 0.0
    rru: float = 0.0
    history_bytes: float = 0
    """Bytes of history items written: what the table keeps for the retention."""
    snapshot_bytes: float = 0
    """Bytes of latest snapshots written: overwritten each run, so not kept."""

    def combine(self, other: Counted, factor: float = 1.0) -> Counted:
        """``self + factor * other``, field by field."""
        return Counted(
            *(a + factor * b for a, b in zip(_values(self), _values(other), strict=True))
        )

    def times(self, factor: float) -> Counted:
        return Counted().combine(self, factor)


def _values(counted: Counted) -> list[float]:
    return [getattr(counted, f.name) for f in fields(Counted)]


def _size(value: Any) -> int:
    """An item's size as DynamoDB JSON on the wire (names, values and type tags)."""
    return len(orjson.dumps(value))


def _body_size(body: Any) -> int:
    """Bytes of an S3 body: botocore may have wrapped ours in a file-like object already."""
    if isinstance(body, bytes | bytearray):
        return len(body)
    if hasattr(body, "getbuffer"):
        return len(body.getbuffer())
    return 0


class Meter:
    """botocore hooks on clients, adding what they send and receive to ``counted``.

    Registered once per client; point ``counted`` elsewhere to measure the next stretch.
    """

    def __init__(self) -> None:
        self.counted = Counted()

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build", self.before)
        client.meta.events.register("after-call", self.after)

    def before(self, params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        c, name = self.counted, model.name
        if isinstance(context, dict):
            context["paris_consistent"] = bool(params.get("ConsistentRead"))
        if name == "PutObject":
            c.s3_put += 1
            size = _body_size(params.get("Body", b""))
            if str(params.get("Key", "")).startswith(SNAPSHOTS):
                c.snapshot_bytes += size
            else:
                c.s3_put_bytes += size
        elif name in ("ListObjectsV2", "CopyObject"):
            c.s3_put += 1
        elif name in ("GetObject", "HeadObject", "HeadBucket"):
            c.s3_get += 1
        elif name == "BatchWriteItem":
            c.ddb_requests += 1
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    item = request.get("PutRequest", {}).get("Item")
                    size = _size(item) if item else 1
                    c.wru += math.ceil(size / 1024)
                    if item and "gsi1pk" in item and "observed_at" in item:  # history
                        c.history_bytes += size + ITEM_OVERHEAD
        elif name in ("PutItem", "UpdateItem", "DeleteItem"):
            c.ddb_requests += 1
            c.wru += math.ceil(_size(params.get("Item") or params.get("Key")) / 1024)
        elif model.service_model.service_name == "dynamodb":
            c.ddb_requests += 1

    def after(self, parsed: Any, model: Any, context: Any = None, **_: Any) -> None:
        if model.name not in ("Query", "GetItem") or not isinstance(parsed, dict):
            return
        size = _size(parsed.get("Items") or parsed.get("Item") or {})
        units = max(1, math.ceil(size / 4096))
        consistent = isinstance(context, dict) and context.get("paris_consistent")
        self.counted.rru += units if consistent else units / 2


def _watch_store(store: Any, meter: Meter) -> None:
    inner = getattr(store, "inner", store)  # the masking wrapper's backend
    meter.watch(inner.s3)
    meter.watch(inner.ddb)


async def daemon_month(env: Env) -> tuple[dict[str, Counted], dict[str, float]]:
    """A month of each default source, from one steady run (and traffic's arcs once a day)."""
    replay = env.replay
    replay.reset()
    settings = env.settings(
        "aws",
        env.fresh_dir("cost"),
        traffic={"backfill_hours": 1},
        departures={"stop_areas": ["stop_area:SNCF:87686006"]},
    )
    names = ["parking"] if env.quick else ["traffic", "parking", "departures", "velib"]
    month: dict[str, Counted] = {}
    intervals: dict[str, float] = {}
    meter = Meter()
    async with services(settings) as held:
        _watch_store(held.store, meter)
        for name in names:
            runner = held.runners[name]
            first = meter.counted = Counted()
            assert (await runner.run()).status == "ok", name
            interval = runner.interval.total_seconds()
            replay.advance(seconds=interval)
            steady = meter.counted = Counted()
            status = (await runner.run()).status
            assert status in ("ok", "unchanged"), (name, status)
            total = steady.times(DAYS * 86_400 / interval)
            if name == "traffic":  # the arc reference: fetched again once a day
                total = total.combine(first.combine(steady, -1.0), DAYS)
            month[name], intervals[name] = total, interval
    replay.reset()
    return month, intervals


def api_month(settings: Any) -> tuple[Counted, dict[str, float]]:
    """The stated load for a month, and the storage requests of one call, by route."""
    from chalice.test import Client

    from api.serve import load_app

    app = load_app()
    from chalicelib import context  # type: ignore[import-not-found]  # api/ on sys.path now

    context.configure(settings)
    month, per_call, meter = Counted(), {}, Meter()
    with Client(app) as client:
        assert client.http.get("/health").status_code in (200, 503)
        reader = context.reader()
        inner = getattr(reader, "inner", reader)
        meter.watch(inner._ddb)
        meter.watch(inner.s3)
        for path, per_day in LOAD.items():
            assert client.http.get(path).status_code == 200, path  # warm-up: caches
            counted = meter.counted = Counted()
            client.http.get(path)
            per_call[path] = counted.s3_get + counted.ddb_requests
            month = month.combine(counted, per_day * DAYS)
    context.configure(None)
    return month, per_call


def bill(daemon: Counted, api: Counted, api_requests: int, lambda_s: float) -> dict[str, float]:
    p = PRICES
    everything = daemon.combine(api)
    bronze_gb = daemon.s3_put_bytes / 1e9
    history_gb = daemon.history_bytes / 1e9 * RETENTION_DAYS / DAYS
    return {
        "S3 requests": everything.s3_put / 1000 * p["s3_put_1000"]
        + everything.s3_get / 1000 * p["s3_get_1000"],
        "S3 storage (a month of bronze, kept)": bronze_gb * p["s3_gb_month"],
        "DynamoDB writes": everything.wru / 1e6 * p["ddb_wru_million"],
        "DynamoDB reads": everything.rru / 1e6 * p["ddb_rru_million"],
        "DynamoDB storage (90 days of history)": history_gb * p["ddb_gb_month"],
        "Lambda": api_requests / 1e6 * p["lambda_million"]
        + lambda_s * LAMBDA_GB * p["lambda_gb_s"],
        "API Gateway": api_requests / 1e6 * p["apigw_million"],
    }


async def run(env: Env) -> Section:
    section = Section("8. The monthly AWS bill (eu-west-3)")
    daemon, intervals = await daemon_month(env)
    total = Counted()
    for name, counted in daemon.items():
        total = total.combine(counted)
        section.row(
            f"daemon, `{name}` every {timedelta(seconds=intervals[name])}",
            f"{num(counted.s3_put)} S3 PUT ({counted.s3_put_bytes / 1e9:,.2f} GB kept, "
            f"{counted.snapshot_bytes / 1e9:,.2f} GB of snapshots overwritten), "
            f"{num(counted.wru / 1e6)} M WRU, {num(counted.rru / 1e6)} M RRU a month",
        )
    api = Counted()
    per_call: dict[str, float] = {}
    if not env.quick:
        from bench.api import seed

        env.replay.reset()
        settings = await seed(env, "aws")
        api, per_call = api_month(settings)
        env.replay.reset()
    requests = sum(LOAD.values()) * DAYS if not env.quick else 0
    storage_calls = sum(per_call.get(path, 0) * n for path, n in LOAD.items()) * DAYS
    lambda_s = requests * COMPUTE_S + storage_calls * STORAGE_ROUND_TRIP_S
    for path, sent in per_call.items():
        section.row(f"API `{path}`: {LOAD[path]:,}/day", f"{sent:.0f} storage requests a call")
    lines = bill(total, api, requests, lambda_s)
    for what, usd in lines.items():
        section.row(what, f"${usd:,.2f}")
    dollars = sum(lines.values())
    section.row("**total a month**", f"**${dollars:,.2f}**")
    section.row("lake storage and Athena scans", "not built yet (issue 13): not estimated")
    section.check(
        "monthly AWS bill (estimate)", f"${dollars:,.2f}", "(no target: context)", None, None
    )
    section.notes += [
        f"Prices: eu-west-3 as published on {PRICED_ON} to our knowledge; check {PRICES_URL}.",
        f"Load stated: {', '.join(f'{p} {n:,}/day' for p, n in LOAD.items())}; "
        f"Lambda {LAMBDA_GB:g} GB, {COMPUTE_S * 1000:g} ms of compute a call plus "
        f"{STORAGE_ROUND_TRIP_S * 1000:g} ms per storage request (assumed).",
        "Not included: data transfer out, CloudWatch logs, the EC2 instance, free tiers.",
    ]
    if env.quick:
        section.notes.append("--quick: parking only, no API load; the figure is partial.")
    return section
