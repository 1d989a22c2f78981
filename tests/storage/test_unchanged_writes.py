"""Write only what changed: an identical re-poll writes nothing, on both backends.

Writes are counted where they happen: rows inserted or updated in the SQLite tables (a
temporary trigger), write requests sent to the moto server (a botocore hook on the store's own
DynamoDB client). Records come through the real ingest path (parse, validate, serialise).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import Field

from collector import keys
from collector.ingest import Batch, ingest
from collector.metrics import Metrics
from collector.plugin import Parsed, Record, Source, validate_many
from collector.settings import Settings
from collector.storage import Reader, Store, make_store
from collector.storage.aws import AwsStore
from collector.storage.base import Row
from collector.storage.local import LocalStore

NOW = datetime.now(UTC).replace(microsecond=0)
WRITES = {"BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


class Dock(Record):
    free: int = Field(ge=0)
    name: str


def parse(payload: bytes) -> Iterable[Parsed]:
    return validate_many(Dock, orjson.loads(payload))


async def _nothing(_: Any) -> None:
    return None


DOCKS = Source(
    name="docks",
    description="test source",
    interval=timedelta(minutes=3),
    records=(Dock,),
    fetch=_nothing,
    parse=parse,
)


def board(free: dict[str, int], at: datetime = NOW) -> bytes:
    rows = [
        {"entity_id": dock, "observed_at": at.isoformat(), "free": n, "name": f"dock {dock}"}
        for dock, n in free.items()
    ]
    return orjson.dumps(rows)


def write_counter(store: Store) -> Callable[[], int]:
    """Rows changed (local) or write requests sent (AWS) from now on."""
    inner = getattr(store, "inner", store)
    if isinstance(inner, LocalStore):
        return _table_writes(inner.conn)
    assert isinstance(inner, AwsStore)
    sent = [0]

    def count(event_name: str, **_: Any) -> None:
        if event_name.rsplit(".", 1)[-1] in WRITES:
            sent[0] += 1

    inner.ddb.meta.events.register("before-call.dynamodb", count)
    return lambda: sent[0]


def _table_writes(conn: sqlite3.Connection) -> Callable[[], int]:
    """Rows inserted or updated in ``silver`` and ``latest`` (a temporary trigger counts them:
    ``total_changes`` would also count the rows put_rows stages in a temporary table)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS counted_writes (tbl TEXT)")
    for table in ("silver", "latest"):
        for event in ("INSERT", "UPDATE"):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS count_{table}_{event.lower()}"
                f" AFTER {event} ON main.{table}"
                f" BEGIN INSERT INTO counted_writes VALUES ('{table}'); END"
            )
    (before,) = conn.execute("SELECT count(*) FROM counted_writes").fetchone()
    return lambda: int(conn.execute("SELECT count(*) FROM counted_writes").fetchone()[0]) - before


async def poll(store: Store, payload: bytes, minute: int) -> Batch:
    """One run's ingest: each run archives its payload under a new raw key."""
    at = NOW + timedelta(minutes=minute)
    return await ingest(store, DOCKS, payload, keys.raw_key("docks", at), retention_days=90, now=at)


async def test_identical_repolls_write_nothing(store: Store, reader: Reader) -> None:
    writes = write_counter(store)
    first = await poll(store, board({"d1": 3, "d2": 0, "d3": 7}), 0)
    assert (first.written, first.unchanged) == ({"docks": 3}, {"docks": 0})
    after_first = writes()
    assert after_first > 0

    for minute in (3, 6, 9):
        again = await poll(store, board({"d1": 3, "d2": 0, "d3": 7}), minute)
        assert (again.written, again.unchanged) == ({"docks": 0}, {"docks": 3})
    assert writes() == after_first

    history = reader.history("docks", "d1", "", "~", limit=10)
    assert [item["free"] for item in history.items] == [3]
    assert sorted(d["entity_id"] for d in reader.latest("docks")) == ["d1", "d2", "d3"]


async def test_a_changed_record_is_written_and_only_it(store: Store, reader: Reader) -> None:
    await poll(store, board({"d1": 3, "d2": 0}), 0)
    writes = write_counter(store)
    changed = await poll(store, board({"d1": 3, "d2": 1}), 3)
    assert (changed.written, changed.unchanged) == ({"docks": 1}, {"docks": 1})
    assert writes() > 0
    latest = {d["entity_id"]: d["free"] for d in reader.latest("docks")}
    assert latest == {"d1": 3, "d2": 1}
    # Same key (entity, observation time), new content: the history holds the new content.
    assert [i["free"] for i in reader.history("docks", "d2", "", "~", limit=5).items] == [1]


async def test_a_new_observation_is_written(store: Store, reader: Reader) -> None:
    await poll(store, board({"d1": 3}), 0)
    later = NOW + timedelta(minutes=3)
    again = await poll(store, board({"d1": 3}, at=later), 3)
    assert again.written == {"docks": 1}
    assert len(reader.history("docks", "d1", "", "~", limit=5).items) == 2


async def test_older_observations_repolled_write_nothing(store: Store) -> None:
    """A replay of past hours: the history rows are not the latest view's, still skipped."""
    hours = [NOW - timedelta(hours=h) for h in (3, 2, 1)]
    rows = [_row(f"e{i}", at, i) for i in range(4) for at in hours]
    assert await store.put_rows(rows, history=True, expires_at=_expiry(90)) == len(rows)
    writes = write_counter(store)
    older = [r for r in rows if r.observed_at != keys.ts(hours[-1])]
    assert await store.put_rows(older, history=True, expires_at=_expiry(90)) == 0
    assert await store.put_rows(rows, history=True, expires_at=_expiry(90)) == 0
    assert writes() == 0


async def test_unchanged_but_near_its_expiry_is_written_again(store: Store) -> None:
    """Skipping must not let a still re-polled record expire: near its expiry it is renewed."""
    rows = [_row("e1", NOW, 1)]
    assert await store.put_rows(rows, history=True, expires_at=_expiry(0.5)) == 1
    writes = write_counter(store)
    # Half a day left, more than half of a one-day retention: kept as it is.
    assert await store.put_rows(rows, history=True, expires_at=_expiry(1)) == 0
    assert writes() == 0
    # Half a day left, under the one-day margin of a 90-day retention: rewritten, once.
    assert await store.put_rows(rows, history=True, expires_at=_expiry(90)) == 1
    assert await store.put_rows(rows, history=True, expires_at=_expiry(90)) == 0


async def test_the_skip_can_be_turned_off(store: Store) -> None:
    inner = getattr(store, "inner", store)
    rows = [_row("e1", NOW, 1), _row("e2", NOW, 2)]
    await store.put_rows(rows, history=True, expires_at=_expiry(90))
    inner.skip_unchanged = False
    writes = write_counter(store)
    assert await store.put_rows(rows, history=True, expires_at=_expiry(90)) == 2
    assert writes() > 0


async def test_a_bad_record_is_set_aside_while_the_rest_land(store: Store, reader: Reader) -> None:
    rows = orjson.loads(board({f"d{i}": i for i in range(10)}))
    rows[4]["free"] = -1
    rows[7]["entity_id"] = ""
    batch = await poll(store, orjson.dumps(rows), 0)
    assert batch.written == {"docks": 8}
    reasons = {r.index: r.reason for r in await store.list_rejects("docks")}
    assert reasons == {
        4: "free: Input should be greater than or equal to 0",
        7: "entity_id: String should have at least 1 character",
    }
    assert len(reader.latest("docks")) == 8


async def test_local_history_keeps_the_first_payload_of_unchanged_rows(
    local_settings: Settings,
) -> None:
    async with make_store(local_settings) as store:
        await poll(store, board({"d1": 3}), 0)
        await poll(store, board({"d1": 3}), 3)
    conn = sqlite3.connect(local_settings.data_dir / "paris.sqlite3")
    try:
        stored = conn.execute("SELECT raw_key FROM silver UNION ALL SELECT raw_key FROM latest")
        assert stored.fetchall() == [(keys.raw_key("docks", NOW),)] * 2
    finally:
        conn.close()


def test_skipped_writes_are_a_metric() -> None:
    metrics = Metrics()
    metrics.count_unchanged("docks", {"docks": 3})
    metrics.count_unchanged("docks", {"docks": 2, "docks.names": 0})
    value = metrics.registry.get_sample_value(
        "paris_silver_writes_skipped_total", {"source": "docks", "dataset": "docks"}
    )
    assert value == 5


def _row(entity: str, at: datetime, n: int) -> Row:
    observed = keys.ts(at)
    data = {"entity_id": entity, "observed_at": observed, "n": n}
    return Row("events", entity, observed, data, keys.raw_key("events", at))


def _expiry(days: float) -> int:
    return int((datetime.now(UTC) + timedelta(days=days)).timestamp())
