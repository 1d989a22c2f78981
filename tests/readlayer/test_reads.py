"""Snapshots (filters, pages), one entity's history and gold series, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from collector import keys
from collector.storage import Reader, Store
from collector.storage.base import GoldPoint, Row, decode_cursor
from readlayer import reads

EXPIRES = 4_000_000_000
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
STATIONS = [
    # id, arrondissement (None: a commune outside Paris), open
    ("2", 11, True), ("10", 11, False), ("3", 4, True), ("100", None, True),
    ("alpha", 11, True), ("7", 4, True), ("42", 11, True),
]  # fmt: skip


def row(entity: str, arrondissement: int | None, is_open: bool, hours_ago: int) -> Row:
    at = NOW - timedelta(hours=hours_ago)
    data = {
        "entity_id": entity,
        "observed_at": keys.ts(at),
        "arrondissement": arrondissement,
        "is_open": is_open,
        "bikes": 10 - hours_ago,
    }
    return Row("bikes", entity, keys.ts(at), data, keys.raw_key("bikes", at))


async def seed(store: Store) -> None:
    rows = [row(e, a, o, h) for e, a, o in STATIONS for h in range(3)]
    await store.put_rows(rows, history=True, expires_at=EXPIRES)
    for hours_ago in range(4):
        end = keys.ts(NOW - timedelta(hours=hours_ago))
        start = keys.ts(NOW - timedelta(hours=hours_ago + 1))
        point = GoldPoint("bikes_total", start, end, end, {"bikes": 100 + hours_ago})
        await store.put_gold(point, expires_at=EXPIRES)


async def test_snapshot_filters_and_pages_in_entity_order(store: Store, reader: Reader) -> None:
    await seed(store)
    everything = reads.latest(reader, "bikes")
    assert len(everything) == len(STATIONS)
    assert all(i["bikes"] == 10 for i in everything)  # the latest record of each
    eleventh = reads.latest(reader, "bikes", {"arrondissement": 11, "is_open": True})
    assert sorted(i["entity_id"] for i in eleventh) == ["2", "42", "alpha"]
    seen: list[str] = []
    after: Any = None
    while True:
        found = reads.page(everything, limit=3, after=after)
        assert found.total == len(STATIONS) and found.observed_at == keys.ts(NOW)
        seen += [i["entity_id"] for i in found.items]
        if found.next is None:
            break
        after = decode_cursor(found.next)["after"]
    assert seen == ["2", "3", "7", "10", "42", "100", "alpha"]  # numbers in number order


async def test_history_newest_first_within_the_range(store: Store, reader: Reader) -> None:
    await seed(store)
    since = keys.ts(NOW - timedelta(hours=1))
    found = reads.history(reader, "bikes", "42", since, "~", limit=10)
    assert found is not None
    assert [i["observed_at"] for i in found.items] == [keys.ts(NOW), since]
    first = reads.history(reader, "bikes", "42", "", "~", limit=2)
    assert first is not None and first.next is not None
    rest = reads.history(reader, "bikes", "42", "", "~", limit=2, cursor=first.next)
    assert rest is not None and [i["bikes"] for i in rest.items] == [8]
    # Known entity, empty range: an empty page, not "unknown".
    empty = reads.history(reader, "bikes", "42", "1999-01-01T00:00:00Z", "1999-01-02T00:00:00Z",
                          limit=5)  # fmt: skip
    assert empty is not None and empty.items == []
    for unknown in ("999", "latest", "a#b", ""):
        assert reads.history(reader, "bikes", unknown, "", "~", limit=5) is None


async def test_gold_series_and_its_newest_point(store: Store, reader: Reader) -> None:
    await seed(store)
    latest = reads.gold_series(reader, "bikes_total", limit=1)
    assert [p["data"]["bikes"] for p in latest.page.items] == [100]
    assert latest.newest == latest.page.items[0]
    old = keys.ts(NOW - timedelta(hours=2))
    ranged = reads.gold_series(reader, "bikes_total", "", old, limit=10)
    assert [p["data"]["bikes"] for p in ranged.page.items] == [102, 103]
    assert ranged.newest is not None and ranged.newest["data"]["bikes"] == 100
    trend = reads.trend(reader, "bikes_total", NOW, 2.5, 100)
    assert [p["data"]["bikes"] for p in trend] == [100, 101, 102]
    assert reads.gold_series(reader, "nothing", limit=1).newest is None
