"""1. Ingest throughput: one traffic hour from raw bytes to silver rows, records/s.

Ours: :func:`collector.ingest.ingest` (parse + validate + upsert history and latest) of the
payload the traffic plugin downloads for one new hour, into a fresh local store and a fresh
DynamoDB table set on the moto server. Measured beside it, in the same run:

- floor: ``orjson.loads`` of the publisher's full export of that hour, geometry included (the
  least any collector downloading the full export must spend on it);
- the JSON parse of what ours actually downloads;
- naive: standard ``json`` on the full export, then one write per record, sequentially
  (SQLite ``INSERT`` + ``COMMIT`` per record, with the same WAL schema; one ``PutItem`` per
  record on DynamoDB, the record stored as one JSON string).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.common import LAST_HOUR, REGION, START, Env, Section, median, ms, num, ratio, repeat
from bench.payloads import bundle, full_export
from collector import keys
from collector.ingest import build_batch, ingest
from collector.storage import make_store
from collector.storage import sqlite as db
from sources.traffic import SOURCE

RAW_KEY = keys.raw_key("traffic", START)
QUICK_DYNAMO_ROWS = 100
QUICK_NAIVE_ROWS = 500


@contextmanager
def paused_gc() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def subset(payload: bytes, rows: int) -> bytes:
    """The first ``rows`` counts of a bundle (quick mode on the slow moto server)."""
    data = orjson.loads(payload)
    data["counts"] = data["counts"][:rows]
    return orjson.dumps(data)


def export_subset(export: bytes, rows: int) -> bytes:
    return orjson.dumps(orjson.loads(export)[:rows])


class DynamoCounter:
    """HTTP requests sent to DynamoDB (retries included) and items in BatchWriteItem/PutItem."""

    def __init__(self) -> None:
        self.requests = self.writes = self.items = 0

    def sent(self, **_: Any) -> None:
        self.requests += 1

    def called(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "BatchWriteItem":
            self.writes += 1
            self.items += sum(len(v) for v in params["RequestItems"].values())
        elif model.name == "PutItem":
            self.writes += 1
            self.items += 1


async def ours(env: Env, storage: str, payload: bytes) -> float:
    settings = env.settings(storage, env.fresh_dir(f"ingest-{storage}"))
    async with make_store(settings) as store:
        await store.init()
        counter = DynamoCounter()
        if storage == "aws":
            events = store.ddb.meta.events  # type: ignore[attr-defined]
            events.register("before-send.dynamodb", counter.sent)
            events.register("before-parameter-build.dynamodb", counter.called)
        start = time.perf_counter()
        batch = await ingest(store, SOURCE, payload, RAW_KEY, retention_days=90, now=START)
        elapsed = time.perf_counter() - start
        if storage == "aws":
            env.shared["dynamo"] = (counter, batch.valid)
        return elapsed


def sqlite_put(folder: Path, payload: bytes) -> float:
    """``put_rows`` alone: the hour's rows (history and latest view) into a fresh database."""
    rows = build_batch(SOURCE, payload, RAW_KEY, START).rows["traffic"]
    conn = db.connect(folder / "put.sqlite3")
    db.create_schema(conn)
    expires = int((START + timedelta(days=90)).timestamp())
    start = time.perf_counter()
    db.put_rows(conn, rows, history=True, expires_at=expires)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def naive_sqlite(folder: Path, export: bytes) -> float:
    conn = db.connect(folder / "naive.sqlite3")
    db.create_schema(conn)
    conn.isolation_level = "DEFERRED"  # implicit BEGIN before each INSERT, explicit commit
    expires = int((START + timedelta(days=90)).timestamp())
    start = time.perf_counter()
    for record in json.loads(export):
        conn.execute(
            "INSERT OR REPLACE INTO silver"
            " (dataset, entity_id, observed_at, data, raw_key, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ("traffic", record["iu_ac"], record["t_1h"], json.dumps(record), RAW_KEY, expires),
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def naive_dynamodb(env: Env, export: bytes) -> float:
    import boto3

    client: Any = boto3.client("dynamodb", endpoint_url=env.moto_url, region_name=REGION)
    table = f"naive{env.fresh_dir('naive-ddb').name.split('-')[0]}"
    client.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    start = time.perf_counter()
    for record in json.loads(export):
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"traffic#{record['iu_ac']}"},
                "sk": {"S": str(record["t_1h"])},
                "data": {"S": json.dumps(record)},
            },
        )
    return time.perf_counter() - start


async def run(env: Env) -> Section:
    section = Section("1. Ingest throughput (one traffic hour, raw bytes to silver rows)")
    runs = env.runs
    download = await bundle(env, hours=1)
    with_arcs = await bundle(env, hours=1, arcs=True)
    export = full_export(env, LAST_HOUR)
    payload = download.payload
    records = build_batch(SOURCE, payload, RAW_KEY, START).valid
    export_rows = len(orjson.loads(export))

    with paused_gc():
        floor_no_gc = repeat(lambda: orjson.loads(export), runs * 5)
    json_parse = repeat(lambda: orjson.loads(payload), runs * 5)
    plugin_parse = repeat(lambda: list(SOURCE.parse(payload)), runs)
    batch = repeat(lambda: build_batch(SOURCE, payload, RAW_KEY, START), runs)

    sqlite_put(env.fresh_dir("put"), payload)  # warm-up
    put = median([sqlite_put(env.fresh_dir("put"), payload) for _ in range(runs)])
    await ours(env, "local", payload)  # warm-up: first pydantic/sqlite use
    # The floor is measured between the ingest runs, so that both see the same load on a
    # shared machine: measured apart, minutes from each other, their ratio followed the load.
    floors, locals_ = [], []
    for _ in range(runs):
        floors.append(repeat(lambda: orjson.loads(export), 5))
        locals_.append(await ours(env, "local", payload))
    floor, local = median(floors), median(locals_)
    local_arcs = (
        0.0
        if env.quick
        else median([await ours(env, "local", with_arcs.payload) for _ in range(runs)])
    )
    naive_export = export_subset(export, QUICK_NAIVE_ROWS) if env.quick else export
    naive_rows = len(orjson.loads(naive_export))
    naive_local = median([naive_sqlite(env.fresh_dir("naive"), naive_export) for _ in range(runs)])

    ddb_payload, ddb_export = payload, export
    if env.quick:
        ddb_payload = subset(payload, QUICK_DYNAMO_ROWS)
        ddb_export = export_subset(export, QUICK_DYNAMO_ROWS)
    ddb_records = build_batch(SOURCE, ddb_payload, RAW_KEY, START).valid
    ddb_runs = max(1, min(runs, 3))
    await ours(env, "aws", subset(payload, 25))  # warm-up: clients, tables
    dynamo = median([await ours(env, "aws", ddb_payload) for _ in range(ddb_runs)])
    naive_dynamo = median([naive_dynamodb(env, ddb_export) for _ in range(ddb_runs)])
    env.reset_moto()

    section.row("records in the hour (silver rows)", num(records))
    section.row(
        "downloaded per hour (counts, no geometry)",
        f"{len(payload):,} B in {download.requests} requests",
    )
    section.row(
        "full export of the hour, geometry included", f"{len(export):,} B, {export_rows:,} rows"
    )
    section.row("floor: orjson.loads(full export)", ms(floor))
    section.row("floor with the cyclic GC paused (as ingest parses)", ms(floor_no_gc))
    section.row("orjson.loads(what ours downloads)", ms(json_parse))
    section.row("plugin parse (orjson + pydantic) of it", ms(plugin_parse))
    section.row("build_batch (parse + rows, no I/O)", ms(batch))
    section.row("SQLite put_rows alone (history + latest view, fresh database)", ms(put))
    section.row("**ours, local** (SQLite)", f"{ms(local)} = {num(records / local)} records/s")
    if local_arcs:
        section.row(
            "ours, local, hour + daily arc reference",
            f"{ms(local_arcs)} ({len(with_arcs.payload):,} B, once a day)",
        )
    section.row(
        f"naive, local (json, INSERT+COMMIT per record, {naive_rows:,} records)",
        f"{ms(naive_local)} = {num(naive_rows / naive_local)} records/s",
    )
    section.row(
        f"**ours, DynamoDB** (moto, {ddb_records:,} records)",
        f"{ms(dynamo)} = {num(ddb_records / dynamo)} records/s",
    )
    section.row(
        "naive, DynamoDB (json, PutItem per record)",
        f"{ms(naive_dynamo)} = {num(ddb_records / naive_dynamo)} records/s",
    )
    section.check(
        "ingest local vs floor",
        f"{ms(local)} vs {ms(floor)}",
        "faster than the floor (< 1x)",
        ratio(local, floor),
        local < floor,
    )
    section.check(
        "ingest local vs floor with the GC paused",
        f"{ms(local)} vs {ms(floor_no_gc)}",
        "(context: the floor at its fastest)",
        ratio(local, floor_no_gc),
        None,
    )
    section.check(
        "ingest local vs parse of the download",
        f"{ms(local)} vs {ms(json_parse)} (JSON) / {ms(plugin_parse)} (plugin parse)",
        "<= 2x the parse time",
        ratio(local, plugin_parse),
        local <= 2 * plugin_parse,
    )
    section.check(
        "ingest DynamoDB vs naive PutItem",
        f"{ms(dynamo)} vs {ms(naive_dynamo)}",
        "faster than naive (< 1x)",
        ratio(dynamo, naive_dynamo),
        dynamo < naive_dynamo,
    )
    section.notes += [
        f"Medians of {runs} runs (DynamoDB: {ddb_runs}), each into a fresh store; parse-only"
        f" figures: medians of {runs * 5} calls. One warm-up call first. The floor is measured"
        " between the local ingest runs (the median of 5 calls before each), so that the"
        " ratio compares the two under the same load.",
        "Ours ingests the payload the traffic plugin downloads in steady state: the counts of"
        " the new hour without geometry (`select`), the arc reference being downloaded once a"
        " day. It writes two items per record (history + latest view); naive writes one.",
        "'Parse time of what it downloads' is the traffic plugin's own parse (orjson +"
        " pydantic validation of every record) of the downloaded payload; against the JSON"
        f" parse alone, ingest is {ratio(local, json_parse):.1f}x.",
        "Naive local uses our SQLite schema and pragmas (WAL, synchronous=NORMAL): the only"
        " difference is parsing with `json` and one transaction per record.",
    ]
    if env.quick:
        section.notes.append(
            f"--quick: DynamoDB on the first {QUICK_DYNAMO_ROWS} records, naive local on the"
            f" first {QUICK_NAIVE_ROWS}; no arc-reference run."
        )
    return section
