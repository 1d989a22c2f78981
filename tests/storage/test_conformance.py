"""One behaviour, two backends: every test here runs on the local store and on AWS (moto)."""

from __future__ import annotations

import gzip
import random
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector import keys
from collector.settings import Settings
from collector.storage import Reader, Store, make_reader, make_store
from collector.storage.aws import AwsStore
from collector.storage.base import BadCursor, GoldPoint, Reject, Row, StorageError
from collector.storage.dynamo_reader import DynamoReader

T0 = datetime(2025, 11, 4, 19, 0, tzinfo=UTC)
EXPIRES = 2_000_000_000


def row(entity: str, at: datetime, *, dataset: str = "traffic", **data: Any) -> Row:
    """A silver row whose data carries its id and time, as the parsers' records do."""
    observed = keys.ts(at)
    payload = {"id": entity, "observed_at": observed, **data}
    return Row(dataset, entity, observed, payload, raw_key=keys.raw_key("traffic", at))


def point(aggregation: str, end: datetime, data: dict[str, Any]) -> GoldPoint:
    return GoldPoint(
        aggregation, keys.ts(end - timedelta(hours=1)), keys.ts(end), keys.ts(end), data
    )


def all_pages(read: Any, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Follow ``next`` until exhausted; return the items and the number of pages."""
    items, pages, cursor = [], 0, None
    while True:
        page = read(limit=limit, cursor=cursor)
        items += page.items
        pages += 1
        if page.next is None:
            return items, pages
        cursor = page.next


async def test_init_is_idempotent_and_everything_answers(store: Store, reader: Reader) -> None:
    assert await store.init() == []
    await store.check()
    reader.check()


async def test_raw_objects_round_trip_with_metadata(store: Store) -> None:
    body = gzip.compress(b'{"results": []}')
    meta = {
        "url": "https://opendata.paris.fr/api/records?where=Châtelet",
        "status": "200",
        "fetched_at": "2025-11-04T19:00:00Z",
        "sha256": "ab" * 32,
        "note": "  padded  ",
        "empty": "",
    }
    moments = [T0 + timedelta(hours=h) for h in (30, 0, 3)]
    for moment in moments:
        await store.put_raw(keys.raw_key("traffic", moment), body, meta)
    await store.put_raw(keys.raw_key("parking", T0), body, {})

    got = await store.get_raw(keys.raw_key("traffic", T0))
    assert (got.body, got.meta) == (body, meta)
    assert (await store.get_raw(keys.raw_key("parking", T0))).meta == {}
    with pytest.raises(KeyError):
        await store.get_raw(keys.raw_key("traffic", T0 - timedelta(days=1)))

    every = sorted(keys.raw_key("traffic", m) for m in moments)
    assert await store.list_raw(keys.raw_prefix("traffic")) == every
    assert await store.list_raw(keys.raw_prefix("traffic", T0.date())) == every[:2]
    assert await store.list_raw(keys.raw_prefix("departures")) == []

    report = keys.report_key(T0.date(), "busiest", "csv")
    await store.put_object(report, b"a,b\n", "text/csv")
    await store.put_object(report, b"a,b\n1,2\n", "text/csv")
    assert await store.list_raw("reports/") == [report]
    assert (await store.get_raw(report)).body == b"a,b\n1,2\n"


async def test_put_rows_is_idempotent(store: Store, reader: Reader) -> None:
    rows = [row(f"e{i}", T0 + timedelta(minutes=m), speed=i) for i in range(3) for m in (0, 30)]
    assert await store.put_rows(rows, history=True, expires_at=EXPIRES) == len(rows)
    # The same rows again: nothing to write (tests/storage/test_unchanged_writes.py).
    assert await store.put_rows(rows, history=True, expires_at=EXPIRES) == 0

    window = await store.read_window("traffic", T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    expected = sorted((r.data for r in rows), key=lambda d: (d["observed_at"], d["id"]))
    assert window == expected
    latest = await store.read_latest("traffic")
    assert [(d["id"], d["observed_at"]) for d in latest] == [
        (f"e{i}", keys.ts(T0 + timedelta(minutes=30))) for i in range(3)
    ]
    assert reader.latest("traffic") == latest
    assert await store.put_rows([], history=True, expires_at=EXPIRES) == 0


async def test_latest_only_datasets_keep_no_history(store: Store, reader: Reader) -> None:
    await store.put_rows([row("p1", T0), row("p2", T0)], history=False, expires_at=EXPIRES)
    await store.put_rows(
        [row("p1", T0 + timedelta(minutes=5), free=3)], history=False, expires_at=1
    )

    assert await store.read_window("traffic", T0 - timedelta(days=1), T0 + timedelta(days=1)) == []
    assert reader.history("traffic", "p1", "", "~", limit=10).items == []
    assert [d.get("free") for d in await store.read_latest("traffic")] == [3, None]


async def test_latest_never_goes_back_in_time(store: Store, reader: Reader) -> None:
    newer, older = row("e1", T0 + timedelta(hours=1), speed=50), row("e1", T0, speed=10)
    await store.put_rows([newer], history=True, expires_at=EXPIRES)
    await store.put_rows([older], history=True, expires_at=EXPIRES)
    assert await store.read_latest("traffic") == [newer.data]

    # Within one batch too, whatever the order.
    late, early = row("e2", T0 + timedelta(hours=1), v=2), row("e2", T0, v=1)
    await store.put_rows([late, early], history=True, expires_at=EXPIRES)
    # The same time again replaces: a corrected parse wins.
    fixed = row("e1", T0 + timedelta(hours=1), speed=55)
    await store.put_rows([fixed], history=True, expires_at=EXPIRES)

    assert await store.read_latest("traffic") == [fixed.data, late.data]
    history = reader.history("traffic", "e1", "", "~", limit=10).items
    assert [d["speed"] for d in history] == [55, 10]


async def test_latest_view_entries_can_expire(store: Store, reader: Reader) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    gone = row("train1", now - timedelta(days=2), dataset="departures")
    kept = row("train2", now - timedelta(hours=1), dataset="departures")
    forever = row("arc1", now - timedelta(days=2))  # no TTL: stays until observed again
    await store.put_rows([gone, kept], history=True, expires_at=EXPIRES, latest_ttl=86_400)
    await store.put_rows([forever], history=True, expires_at=EXPIRES)

    assert await store.read_latest("departures") == [kept.data]
    assert reader.latest("departures") == [kept.data]
    assert reader.latest("traffic") == [forever.data]
    # The history keeps the train for the dataset's retention.
    assert reader.history("departures", "train1", "", "~", limit=5).items == [gone.data]


async def test_read_window_bounds_and_order_across_days(store: Store) -> None:
    start = datetime(2025, 11, 3, 22, 0, tzinfo=UTC)
    times = [start + timedelta(hours=h) for h in range(0, 30, 2)]  # three UTC days
    rows = [row(entity, t, n=i) for i, t in enumerate(times) for entity in ("b", "a")]
    rows.append(row("a", times[5], dataset="parking"))
    random.Random(7).shuffle(rows)
    await store.put_rows(rows, history=True, expires_at=EXPIRES)

    since, until = times[2], times[10]
    got = await store.read_window("traffic", since, until)
    expected = sorted(
        ((r.observed_at, r.entity_id) for r in rows if r.dataset == "traffic"),
    )
    expected = [e for e in expected if keys.ts(since) < e[0] <= keys.ts(until)]
    assert [(d["observed_at"], d["id"]) for d in got] == expected
    assert len(got) == 16
    assert await store.read_window("traffic", until, until) == []
    assert await store.read_window("traffic", until, since) == []
    later = await store.read_window("traffic", times[-1] - timedelta(seconds=1), times[-1])
    assert [d["observed_at"] for d in later] == [keys.ts(times[-1])] * 2


async def test_reader_history_is_newest_first_and_paginates(store: Store, reader: Reader) -> None:
    rows = [row("e1", T0 + timedelta(minutes=10 * i), n=i) for i in range(8)]
    await store.put_rows([*rows, row("e2", T0, n=99)], history=True, expires_at=EXPIRES)
    since, until = keys.ts(T0 + timedelta(minutes=10)), keys.ts(T0 + timedelta(minutes=60))

    def read(**page: Any) -> Any:
        return reader.history("traffic", "e1", since, until, **page)

    for limit, pages in ((4, 2), (3, 2), (6, 1), (1, 6), (100, 1)):
        items, count = all_pages(read, limit)
        assert [d["n"] for d in items] == [6, 5, 4, 3, 2, 1]
        assert count == pages
    assert reader.history("traffic", "e1", until, since, limit=5).items == []
    assert reader.history("traffic", "nobody", "", "~", limit=5).items == []
    with pytest.raises(BadCursor):
        read(limit=2, cursor="not-a-cursor")


async def test_states(store: Store, reader: Reader) -> None:
    assert await store.get_state("traffic") == {}
    assert reader.states() == {}
    await store.put_state("traffic", {"last": "2025", "n": 3, "nested": {"a": [1, None, True]}})
    await store.put_state("parking", {"etag": ""})
    await store.put_state("traffic", {"last": "2026"})
    assert await store.get_state("traffic") == {"last": "2026"}
    assert reader.states() == {"traffic": {"last": "2026"}, "parking": {"etag": ""}}


async def test_rejects_are_set_aside_listed_and_forgotten(store: Store) -> None:
    first, second = keys.raw_key("traffic", T0), keys.raw_key("traffic", T0 + timedelta(hours=1))
    other = keys.raw_key("parking", T0 + timedelta(days=1))
    at = keys.ts(T0)
    rejects = [
        Reject("traffic", second, 0, "no id", {"x": 1}, at),
        Reject("traffic", first, 12, "bad time", [1, 2.5], at),
        Reject("traffic", first, 3, "bad count", "text", at),
        Reject("parking", other, 0, "unknown", None, at),
    ]
    await store.put_rejects(rejects)
    await store.put_rejects(rejects[:2])

    assert await store.list_rejects("traffic") == [rejects[2], rejects[1], rejects[0]]
    assert await store.list_rejects() == [rejects[3], rejects[2], rejects[1], rejects[0]]
    await store.delete_rejects([rejects[2], rejects[3]])
    assert await store.list_rejects() == [rejects[1], rejects[0]]
    assert await store.list_rejects("departures") == []
    await store.put_rejects([])
    await store.delete_rejects([])


async def test_gold_series_overwrite_latest_and_pages(store: Store, reader: Reader) -> None:
    ends = [T0 + timedelta(hours=h) for h in range(6)]
    for i, end in enumerate(ends):
        await store.put_gold(point("busiest", end, {"total": i}), expires_at=EXPIRES)
    rerun = point("busiest", ends[2], {"total": 200, "top": ["a", "b"]})
    await store.put_gold(rerun, expires_at=EXPIRES)
    await store.put_gold(point("other", ends[0], {"total": -1}), expires_at=EXPIRES)

    series = await store.read_gold("busiest", keys.ts(ends[1]), keys.ts(ends[3]))
    assert [p.data["total"] for p in series] == [1, 200, 3]
    assert series[1] == rerun
    assert await store.read_gold("busiest", keys.ts(ends[3]), keys.ts(ends[1])) == []

    newest = reader.gold_latest("busiest")
    assert newest is not None
    assert (newest["window_end"], newest["data"]) == (keys.ts(ends[5]), {"total": 5})
    assert set(newest) == {"aggregation", "window_start", "window_end", "ran_at", "data"}
    assert reader.gold_latest("nothing") is None

    def read(**page: Any) -> Any:
        return reader.gold("busiest", "", "~", **page)

    items, pages = all_pages(read, 4)
    assert [i["data"]["total"] for i in items] == [5, 4, 3, 200, 1, 0]
    assert pages == 2
    with pytest.raises(BadCursor):
        read(limit=2, cursor="%%%")


async def test_large_gold_result_round_trips(
    store: Store, reader: Reader, settings: Settings, request: pytest.FixtureRequest
) -> None:
    cells = [{"id": secrets.token_hex(24), "share": i / 7} for i in range(12_000)]
    big = point("cells", T0, {"cells": cells})
    assert len(orjson.dumps(big.data)) > 800_000
    await store.put_gold(big, expires_at=EXPIRES)
    assert await store.read_gold("cells", "", "~") == [big]
    newest = reader.gold_latest("cells")
    assert newest is not None
    assert newest["data"] == big.data

    small = point("cells", T0, {"cells": []})
    await store.put_gold(small, expires_at=EXPIRES)
    assert await store.read_gold("cells", "", "~") == [small]
    if settings.storage == "aws":
        parts = request.getfixturevalue("dynamodb").query(
            TableName=f"{settings.table_prefix}gold",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "cells#parts"}},
        )
        assert parts["Items"] == []


async def test_values_round_trip(store: Store, reader: Reader) -> None:
    data = {
        "none": None,
        "yes": True,
        "no": False,
        "count": -3,
        "big": 2**53 + 1,
        "ratio": 0.1,
        "tiny": 1.5e-7,
        "text": "Châtelet – Les Halles ✓",
        "empty": "",
        "list": [1, "a", None, [], {}],
        "nested": {"a": {"b": [1.25, {"c": "d"}]}},
    }
    record = row("e1", T0, **data)
    await store.put_rows([record], history=True, expires_at=EXPIRES)
    assert await store.read_latest("traffic") == [record.data]
    assert reader.history("traffic", "e1", "", "~", limit=1).items == [record.data]


async def test_expired_data_goes_away(
    store: Store, settings: Settings, request: pytest.FixtureRequest
) -> None:
    await store.put_rows([row("e1", T0)], history=True, expires_at=1_000)
    await store.put_rows([row("e1", T0 + timedelta(hours=1))], history=True, expires_at=5_000)
    await store.put_gold(point("busiest", T0, {"total": 1}), expires_at=1_000)
    window = (T0 - timedelta(days=1), T0 + timedelta(days=1))

    if settings.storage == "local":
        assert await store.purge_expired(2_000) == 2
        assert len(await store.read_window("traffic", *window)) == 1
        assert await store.read_gold("busiest", "", "~") == []
    else:  # DynamoDB's TTL deletes on its own schedule: check what it works from.
        assert await store.purge_expired(2_000) == 0
        dynamodb = request.getfixturevalue("dynamodb")
        silver, gold = f"{settings.table_prefix}silver", f"{settings.table_prefix}gold"
        for table in (silver, gold):
            ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
        key = {"pk": {"S": "traffic#e1"}, "sk": {"S": keys.ts(T0)}}
        assert dynamodb.get_item(TableName=silver, Key=key)["Item"]["expires_at"] == {"N": "1000"}
        key = {"pk": {"S": "busiest"}, "sk": {"S": keys.ts(T0)}}
        assert dynamodb.get_item(TableName=gold, Key=key)["Item"]["expires_at"] == {"N": "1000"}
    assert len(await store.read_latest("traffic")) == 1


@pytest.fixture
def broken(settings: Settings, tmp_path: Path, closed_port: int) -> tuple[Store, Reader]:
    """A store and a reader whose storage cannot answer."""
    if settings.storage == "aws":
        # One attempt: standard retries would spend seconds backing off from a closed port.
        dead = settings.model_copy(update={"aws_endpoint_url": f"http://127.0.0.1:{closed_port}"})
        return AwsStore(dead, max_attempts=1), DynamoReader(dead, max_attempts=1)
    (tmp_path / "a-file").write_text("not a directory")
    dead = settings.model_copy(update={"data_dir": tmp_path / "a-file" / "data"})
    return make_store(dead), make_reader(dead)


async def test_unreachable_storage_raises_storage_error(broken: tuple[Store, Reader]) -> None:
    store, reader = broken
    with pytest.raises(StorageError):
        async with store:
            await store.check()
    with pytest.raises(StorageError):
        reader.check()
    with pytest.raises(StorageError):
        reader.latest("traffic")
    reader.close()
