"""One run of a source, end to end on the local backend, against a real HTTP server."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Callable

from collector.daemon import Services, run_once
from collector.replay import replay
from collector.settings import Settings
from collector.storage.local import LocalReader
from tests.core.conftest import Upstream, plugins_for

ROWS = [
    {"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1},
    {"id": "b", "at": "2025-11-04T19:00:00+00:00", "value": 2},
    {"id": "a", "at": "2025-11-04T20:00:00+01:00", "value": 3},  # same hour as 19:00Z
]


def counter_app(make_app: Callable[..., Settings], upstream: Upstream, **extra: object) -> Settings:
    settings = {"counter": {"url": upstream.url, **extra}}
    return make_app(sources=settings)


async def run_counter(app: Settings) -> tuple[Services, list]:  # type: ignore[type-arg]
    registry, plugins = plugins_for(app)
    async with Services(app, registry, plugins) as services:
        results = await run_once(services, ["counter"])
        return services, results


async def test_once_writes_bronze_then_silver_and_is_idempotent(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = ROWS
    app = counter_app(make_app, upstream)
    _, [result] = await run_counter(app)
    assert result.status == "ok"
    assert (result.records, result.valid, result.invalid) == (3, 2, 0)
    assert result.requests == 1 and result.bytes > 0

    bronze = app.data_dir / "bronze" / result.raw_key
    payload = gzip.decompress(bronze.read_bytes())
    assert payload == upstream.body or payload.startswith(b"[")
    meta = (bronze.parent / (bronze.name + ".meta.json")).read_text()
    assert hashlib.sha256(payload).hexdigest() in meta
    assert f"{upstream.url}/counters.json" in meta

    reader = LocalReader(app.data_dir)
    latest = reader.latest("counter")
    assert [(r["entity_id"], r["value"]) for r in latest] == [("a", 3), ("b", 2)]

    # A second run over the same upstream answer adds a bronze object but no silver row.
    _, [again] = await run_counter(app)
    assert again.status == "ok"
    # The source's rows only: the completeness ledger's entries are silver rows too.
    query = "SELECT count(*) FROM silver WHERE dataset = 'counter'"
    count = reader.conn.execute(query).fetchone()[0]
    assert count == 2
    assert len(list((app.data_dir / "bronze" / "raw" / "counter").rglob("*.json.gz"))) == 2
    state = reader.states()["counter"]
    assert state["plugin"] == {"last_bytes": str(len(payload))}
    assert state["records_total"] == 4 and state["consecutive_failures"] == 0


async def test_replay_rebuilds_the_same_rows_from_bronze(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = ROWS
    app = counter_app(make_app, upstream)
    await run_counter(app)
    reader = LocalReader(app.data_dir)
    before = reader.conn.execute("SELECT * FROM silver ORDER BY 1, 2, 3").fetchall()
    reader.conn.close()
    reader.close()
    rw = __import__("sqlite3").connect(app.data_dir / "paris.sqlite3")
    rw.execute("DELETE FROM silver")
    rw.execute("DELETE FROM latest")
    rw.commit()
    rw.close()

    registry, _ = plugins_for(app)
    from collector.storage.local import LocalStore

    async with LocalStore(app.data_dir) as store:
        report = await replay(store, registry.source("counter"), 90)
    assert (report.payloads, report.written, report.failures) == (1, 2, [])
    after = LocalReader(app.data_dir).conn.execute("SELECT * FROM silver ORDER BY 1, 2, 3")
    assert [r[:5] for r in after.fetchall()] == [r[:5] for r in before]


async def test_invalid_records_are_set_aside_and_valid_ones_land(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = [*ROWS[:2], {"id": "c", "at": "yesterday", "value": 1}, {"id": "d"}]
    app = counter_app(make_app, upstream)
    _, [result] = await run_counter(app)
    assert (result.status, result.valid, result.invalid) == ("ok", 2, 2)
    reader = LocalReader(app.data_dir)
    rejects = reader.conn.execute(
        "SELECT idx, reason, raw_key FROM rejects ORDER BY idx"
    ).fetchall()
    assert [r[0] for r in rejects] == [2, 3]
    assert "observed_at" in rejects[0][1] and "value" in rejects[1][1]
    assert all(r[2] == result.raw_key for r in rejects)


async def test_parse_failure_keeps_the_raw_payload(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.body = b'[{"id": "a", "at": '
    app = counter_app(make_app, upstream)
    _, [result] = await run_counter(app)
    assert result.status == "parse_error" and result.failed
    stored = gzip.decompress((app.data_dir / "bronze" / result.raw_key).read_bytes())
    assert stored == upstream.body
    reader = LocalReader(app.data_dir)
    assert reader.conn.execute("SELECT idx FROM rejects").fetchall() == [(-1,)]
    assert reader.states()["counter"]["last_error"].startswith("JSONDecodeError")


async def test_upstream_error_is_recorded_without_bronze(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.status = 404
    upstream.body = b'{"message": "Unknown dataset", "error_code": "NotFound"}'
    app = counter_app(make_app, upstream)
    _, [result] = await run_counter(app)
    assert result.status == "failed"
    assert "404" in str(result.error) and "Unknown dataset" in str(result.error)
    assert not (app.data_dir / "bronze" / "raw").exists()
    state = LocalReader(app.data_dir).states()["counter"]
    assert state["consecutive_failures"] == 1 and "plugin" not in state


async def test_nothing_new_upstream_writes_nothing(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = []
    app = counter_app(make_app, upstream)
    _, [result] = await run_counter(app)
    assert (result.status, result.raw_key, result.written) == ("unchanged", None, 0)


async def test_deadline_really_cancels_the_run(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = ROWS
    upstream.delay = 30
    app = counter_app(make_app, upstream, deadline=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    _, [result] = await run_counter(app)
    assert result.status == "timeout"
    assert loop.time() - started < 5


async def test_two_runs_of_one_source_never_overlap(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = ROWS
    upstream.delay = 0.3
    app = counter_app(make_app, upstream)
    registry, plugins = plugins_for(app)
    async with Services(app, registry, plugins) as services:
        runner = services.runners["counter"]
        results = await asyncio.gather(*(runner.run() for _ in range(2)))
    assert sorted(r.status for r in results) == ["ok", "skipped"]
    assert upstream.hits == 1


async def test_schema_drift_is_noted_once_and_records_still_land(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    from structlog.testing import capture_logs

    upstream.rows = [{"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 1, "colour": "red"}]
    app = counter_app(make_app, upstream)
    with capture_logs() as logs:
        _, [first] = await run_counter(app)
        _, [second] = await run_counter(app)
    assert (first.status, first.written, second.status) == ("ok", 1, "ok")
    notices = [e for e in logs if e["event"] == "upstream notice"]
    assert [n["notice"] for n in notices] == ["new_fields:colour"]
