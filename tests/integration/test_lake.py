"""The lake holds exactly what silver received: after runs, a rewind, a crash between the
table commit and the cursor, a schema change, compaction; on files and on moto (S3 + Glue)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from collector.cli import main
from collector.lake import query
from collector.lake.catalog import open_catalog
from collector.lake.cursor import rewind, state_name
from collector.lake.maintenance import files_per_day, maintain, row_count
from collector.lake.service import Lake
from collector.lake.tables import LakeSchemaError, ensure, evolve
from collector.lake.writer import dataset_specs
from collector.registry import discover
from collector.replay import bronze_keys
from collector.settings import Settings, load_settings
from collector.storage import make_store
from collector.storage.base import Store
from replay_upstream.pytest_plugin import Replay

SOURCES = ("traffic", "parking")


def _silver(settings: Settings, dataset: str) -> set[tuple[str, str]]:
    """Every (entity_id, observed_at) silver holds for ``dataset`` (history and latest)."""
    from collector.storage import make_reader

    reader = make_reader(settings)
    try:
        keys = {(r["entity_id"], r["observed_at"]) for r in reader.latest(dataset)}
        if settings.storage == "local":
            rows = reader.conn.execute(  # type: ignore[attr-defined]
                "SELECT entity_id, observed_at FROM silver WHERE dataset = ?", (dataset,)
            )
            keys |= {(e, o) for e, o in rows}
        else:
            keys |= _dynamodb_history(settings, dataset)
        return keys
    finally:
        reader.close()


def _dynamodb_history(settings: Settings, dataset: str) -> set[tuple[str, str]]:
    import boto3

    client = boto3.client(
        "dynamodb", endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region
    )
    found = set()
    for page in client.get_paginator("scan").paginate(TableName=f"{settings.table_prefix}silver"):
        for item in page["Items"]:
            pk = item["pk"]["S"]
            if pk.startswith(f"{dataset}#") and pk != f"{dataset}#latest":
                found.add((pk.removeprefix(f"{dataset}#"), item["sk"]["S"]))
    return found


def _lake(settings: Settings, table: str) -> list[tuple[str, str]]:
    result = query.run(
        open_catalog(settings),
        settings.lake.namespace,
        f"SELECT entity_id, strftime(observed_at, '%Y-%m-%dT%H:%M:%SZ') FROM {table}",
    )
    return [(str(e), str(o)) for e, o in result.rows]


def _flush(
    settings: Settings,
    store_wrapper: Callable[[Store], Store] | None = None,
    names: tuple[str, ...] = SOURCES,
) -> Any:
    registry = discover(None)

    async def go() -> Any:
        async with make_store(settings) as store:
            lake = Lake(settings, store_wrapper(store) if store_wrapper else store)
            sources = [registry.source(name) for name in names]
            return await lake.flush(sources)

    return asyncio.run(go())


def _assert_exactly_silver(settings: Settings, *, traffic: bool = True) -> None:
    for dataset, table in (("traffic", "traffic"), ("traffic.arcs", "traffic_arcs")):
        if not traffic:
            break
        rows = _lake(settings, table)
        assert len(rows) == len(set(rows)), f"{table}: a key twice"
        if dataset == "traffic":  # history: silver holds every hour the lake holds
            assert set(rows) == _silver(settings, dataset)
    parking = _lake(settings, "parking")
    assert len(parking) == len(set(parking)) and set(parking) == _silver(settings, "parking")


@pytest.fixture
def lake_platform(platform: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Settings:
    platform()
    monkeypatch.setenv("PARIS_LAKE__ENABLED", "true")
    return load_settings()


def test_runs_then_flushes_hold_exactly_silver_and_a_rewind_duplicates_nothing(
    lake_platform: Settings, replay_upstream: Replay
) -> None:
    settings = lake_platform
    assert main(["once", *SOURCES]) == 0
    first = _flush(settings)
    assert first.ok, first.failures
    _assert_exactly_silver(settings)
    rows = row_count(open_catalog(settings).load_table("paris.traffic"))
    assert rows > 2900

    assert _flush(settings).rows() == {}  # nothing new: nothing written

    replay_upstream.advance(hours=1)
    assert main(["once", *SOURCES]) == 0
    assert _flush(settings).ok
    _assert_exactly_silver(settings)
    assert row_count(open_catalog(settings).load_table("paris.traffic")) > rows

    async def back_to_the_start() -> None:
        async with make_store(settings) as store:
            for source in SOURCES:
                keys = await bronze_keys(store, source, None, None)
                await rewind(store, source, keys[0])

    asyncio.run(back_to_the_start())
    again = _flush(settings)
    assert again.rows()["traffic"] > 0  # folded in again...
    _assert_exactly_silver(settings)  # ...and still once per key


class _CrashAfterCommit:
    """A store whose first lake cursor save dies, as a kill -9 after the commit would."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.crashed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def put_state(self, source: str, state: Any) -> None:
        if source.startswith("lake#") and not self.crashed:
            self.crashed = True
            raise RuntimeError("killed between the table commit and the cursor save")
        await self.inner.put_state(source, state)


def test_a_crash_between_commit_and_cursor_duplicates_nothing(
    lake_platform: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = lake_platform
    monkeypatch.setenv("PARIS_LAKE__ENABLED", "false")  # `once` leaves the lake to this test
    assert main(["once", *SOURCES]) == 0
    crashed = _flush(settings, lambda store: _CrashAfterCommit(store))  # type: ignore[arg-type,return-value]
    assert not crashed.ok and "traffic" in crashed.failures

    async def cursor() -> dict[str, Any]:
        async with make_store(settings) as store:
            return await store.get_state(state_name("traffic"))

    assert "cursor" not in asyncio.run(cursor())
    assert _lake(settings, "traffic")  # the commit landed
    assert _flush(settings).ok  # the next flush merges the same rows again
    _assert_exactly_silver(settings)
    assert asyncio.run(cursor())["cursor"].startswith("raw/traffic/")


def test_a_new_field_evolves_the_table_and_a_changed_type_is_reported(
    lake_platform: Settings,
) -> None:
    settings = lake_platform
    catalog = open_catalog(settings)
    spec = dataset_specs(discover(None).source("parking"))["parking"]
    older = pa.schema([f for f in spec.schema if f.name != "free_places"])
    table = ensure(catalog, "paris", type(spec)(spec.name, older, spec.time_column, spec.key))
    assert "free_places" not in table.schema().as_arrow().names
    assert main(["once", "parking"]) == 0
    assert _flush(settings).ok
    table = catalog.load_table("paris.parking")
    assert "free_places" in table.schema().as_arrow().names
    answer = query.run(catalog, "paris", "SELECT count(free_places) FROM parking")
    assert answer.rows[0][0] > 0

    changed = pa.schema(
        [pa.field(f.name, pa.string()) if f.name == "free_places" else f for f in spec.schema]
    )
    with pytest.raises(LakeSchemaError, match="free_places"):
        evolve(table, changed)


def test_a_field_whose_type_changed_fails_the_flush_and_keeps_the_cursor(
    lake_platform: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = lake_platform
    spec = dataset_specs(discover(None).source("parking"))["parking"]
    as_text = pa.schema(
        [pa.field(f.name, pa.string()) if f.name == "free_places" else f for f in spec.schema]
    )
    ensure(
        open_catalog(settings), "paris", type(spec)(spec.name, as_text, spec.time_column, spec.key)
    )
    # `once` stores the records, then says the lake refused them: exit 1, naming the field.
    assert main(["once", "parking"]) == 1
    assert "free_places" in capsys.readouterr().err
    flushed = _flush(settings)
    assert not flushed.ok
    assert "free_places" in " ".join(flushed.reports["parking"].errors)

    async def cursor() -> dict[str, Any]:
        async with make_store(settings) as store:
            return await store.get_state(state_name("parking"))

    assert "cursor" not in asyncio.run(cursor())


def test_sql_answers_in_json_csv_and_table(
    lake_platform: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["once", *SOURCES]) == 0
    assert _flush(lake_platform).ok
    capsys.readouterr()
    catalog = open_catalog(lake_platform)
    result = query.run(catalog, "paris", "SELECT count(*) AS n FROM traffic_arcs")
    assert query.render(result, "json").startswith("[")
    assert "n" in query.render(result, "csv").splitlines()[0]
    assert query.render(result, "table").endswith("(1 row)")
    with pytest.raises(query.LakeQueryError, match="nope"):
        query.run(catalog, "paris", "SELECT * FROM nope")


def test_maintenance_keeps_the_rows_and_removes_unreferenced_files(
    lake_platform: Settings, replay_upstream: Replay
) -> None:
    settings = lake_platform
    for _ in range(3):
        assert main(["once", *SOURCES]) == 0
        assert _flush(settings).ok
        replay_upstream.advance(hours=1)
    catalog = open_catalog(settings)
    table = catalog.load_table("paris.traffic")
    spec = dataset_specs(discover(None).source("traffic"))["traffic"]
    before = row_count(table)
    folder = Path(table.location().removeprefix("file://"))
    files_before = len(list(folder.rglob("*.parquet")))
    report = maintain(table, spec, now=datetime.now(UTC) + timedelta(days=2))
    table = catalog.load_table("paris.traffic")
    assert row_count(table) == before
    assert all(count <= 4 for count in files_per_day(table, spec).values())
    assert report.expired_snapshots > 0 and report.deleted_files > 0
    assert len(list(folder.rglob("*.parquet"))) < files_before
    _assert_exactly_silver(settings)


def test_the_lake_on_s3_and_glue(
    platform: Callable[..., Path],
    aws_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    platform()
    for key, value in {
        "PARIS_STORAGE": "aws",
        "PARIS_S3_BUCKET": "paris-lake-test",
        "PARIS_TABLE_PREFIX": "lake_",
        "PARIS_AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_REGION": "eu-west-3",
    }.items():
        monkeypatch.setenv(key, value)
    assert main(["init"]) == 0
    import boto3

    glue = boto3.client("glue", endpoint_url=aws_endpoint, region_name="eu-west-3")
    registered = {t["Name"] for t in glue.get_tables(DatabaseName="paris")["TableList"]}
    # init registered every dataset's and analytic's table before any flush: Athena sees them
    assert {"traffic", "traffic_arcs", "parking", "departures", "velib"} <= registered
    assert {"traffic_congestion_index", "overall_occupancy_rate"} <= registered
    # Parking alone: moto is slow with traffic's thousands of items, and the path is the same.
    assert main(["once", "parking"]) == 0
    settings = load_settings()
    assert _flush(settings, names=("parking",)).ok
    assert main(["once", "parking"]) == 0
    assert _flush(settings, names=("parking",)).ok
    _assert_exactly_silver(settings, traffic=False)

    s3 = boto3.client("s3", endpoint_url=aws_endpoint, region_name="eu-west-3")
    listed = s3.list_objects_v2(Bucket="paris-lake-test", Prefix="lake/")
    assert any(o["Key"].endswith(".parquet") for o in listed.get("Contents", []))


def test_a_deleted_lake_is_rebuilt_from_bronze(lake_platform: Settings) -> None:
    import shutil

    settings = lake_platform
    assert main(["once", *SOURCES]) == 0
    assert _flush(settings).ok
    before = sorted(_lake(settings, "traffic"))
    shutil.rmtree(settings.data_dir / "lake")  # the operator's way to rebuild it
    assert _flush(settings).ok
    assert sorted(_lake(settings, "traffic")) == before
    _assert_exactly_silver(settings)


def test_replay_and_once_leave_the_lake_queryable_at_once(
    lake_platform: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = lake_platform
    assert main(["once", *SOURCES]) == 0  # flushed before it exits: no daemon needed
    assert set(_lake(settings, "parking")) == _silver(settings, "parking")
    assert main(["replay", "parking"]) == 0  # parsed again, folded again, still once per key
    _assert_exactly_silver(settings)
    capsys.readouterr()
    assert main(["sql", "--format", "json", "SELECT count(*) AS n FROM parking"]) == 0
    import json

    [row] = json.loads(capsys.readouterr().out)
    assert row["n"] == len(_silver(settings, "parking"))
    assert main(["sql", "SELECT * FROM nope"]) == 1
    assert "tables:" in capsys.readouterr().err


def test_sql_without_a_lake_says_so_and_creates_nothing(
    platform: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = platform()
    assert main(["sql", "SELECT 1"]) == 3
    assert "no lake" in capsys.readouterr().err
    assert not (data / "lake").exists()
