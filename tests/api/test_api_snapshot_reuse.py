"""An unchanged stored snapshot is decoded once; a rewritten one is answered at once.

The read layer keeps the last snapshot it decoded per dataset with the bytes it came from, and
``/traffic`` keeps its join with the arc geometry while the records are the same. Both must
follow the stored snapshot the moment the daemon rewrites it, and fall back to the per-item
read when it no longer decodes. The store is SQLite with its snapshots written by the daemon's
own function (:func:`collector.snapshot.write_snapshots`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_testkit import APP, ARCS, EXPIRES, arc_reference, count, get, rows
from chalice.test import Client
from chalicelib import context

from collector import snapshot as snap
from collector.plugin import Record
from collector.settings import Settings
from collector.storage import Reader, make_reader, make_store
from readlayer import reads
from sources.traffic import SOURCE as TRAFFIC

HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class Store:
    settings: Settings
    hour: datetime = HOUR

    def write_hour(self, at: datetime, *, arcs: bool = False) -> None:
        """Every arc's count at ``at`` (and the reference), then the snapshots, as a run does."""

        async def write() -> None:
            async with make_store(self.settings) as store:
                await store.init()
                counts: list[Record] = [count(arc, at, 0) for arc in ARCS]
                await store.put_rows(rows("traffic", counts), history=True, expires_at=EXPIRES)
                if arcs:
                    reference: list[Record] = [arc_reference(arc, at) for arc in ARCS]
                    await store.put_rows(
                        rows("traffic.arcs", reference), history=False, expires_at=EXPIRES
                    )
                await snap.write_snapshots(
                    store, TRAFFIC, interval=TRAFFIC.interval, now=datetime.now(UTC)
                )

        asyncio.run(write())
        self.hour = at

    def snapshot_file(self) -> Path:
        return self.settings.data_dir / "bronze" / snap.snapshot_key("traffic")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    settings = Settings(_env_file=None, storage="local", data_dir=tmp_path / "data")
    made = Store(settings)
    made.write_hour(HOUR - timedelta(hours=1), arcs=True)
    return made


@pytest.fixture
def reader(store: Store) -> Iterator[Reader]:
    opened = make_reader(store.settings)
    yield opened
    opened.close()


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The datasets the read layer decodes a snapshot of, one entry per decode."""
    seen: list[str] = []
    real = snap.decode
    monkeypatch.setattr(reads, "_DECODED", {})  # nothing kept from the tests before

    def counted(body: bytes, dataset: str) -> snap.Snapshot:
        seen.append(dataset)
        return real(body, dataset)

    monkeypatch.setattr(reads, "decode", counted)
    return seen


def per_item(reader: Reader, *, geometry: bool = True) -> list[dict[str, Any]]:
    """``/traffic`` as the latest view read item by item, joined, in arc id order."""
    lines = {a["entity_id"]: a["geometry"] for a in reader.latest("traffic.arcs")}
    joined = [
        {**i, "geometry": lines.get(i["entity_id"]) if geometry else None}
        for i in reader.latest("traffic")
    ]
    return sorted(joined, key=reads.by_entity)


def test_an_unchanged_snapshot_is_decoded_once_and_a_rewritten_one_again(
    store: Store, reader: Reader, decodes: list[str]
) -> None:
    first = reads.latest(reader, "traffic")
    assert reads.latest(reader, "traffic") == first == reader.latest("traffic")
    assert decodes == ["traffic"]

    store.write_hour(HOUR)
    now = reads.latest(reader, "traffic")
    assert decodes == ["traffic", "traffic"]
    assert now == reader.latest("traffic") != first
    assert {i["observed_at"] for i in now} == {HOUR.strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_a_snapshot_that_no_longer_decodes_is_not_answered_from_memory(
    store: Store, reader: Reader
) -> None:
    assert reads.snapshot(reader, "traffic") is not None
    store.snapshot_file().write_bytes(b"not gzip")
    assert reads.snapshot(reader, "traffic") is None
    assert reads.latest(reader, "traffic") == reader.latest("traffic")


@pytest.fixture
def api(store: Store) -> Iterator[Any]:
    context.configure(store.settings)
    with Client(APP) as client:
        yield client.http
    context.configure(None)


def test_traffic_follows_each_rewritten_snapshot(api: Any, store: Store, reader: Reader) -> None:
    for _ in range(2):  # the second answer is the kept join
        status, body, _ = get(api, "/traffic")
        assert status == 200
        assert body["data"] == per_item(reader)
    assert get(api, "/traffic?geometry=false")[1]["data"] == per_item(reader, geometry=False)

    store.write_hour(HOUR)
    body = get(api, "/traffic")[1]
    assert body["data"] == per_item(reader)
    assert body["meta"]["observed_at"] == HOUR.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert get(api, "/traffic?geometry=false")[1]["data"] == per_item(reader, geometry=False)
    saturated = get(api, "/traffic?traffic_state=Saturé&limit=1")[1]
    expected = [i for i in per_item(reader) if i["traffic_state"] == "Saturé"]
    assert saturated["data"] == expected[:1]
    assert saturated["meta"]["total"] == len(expected) == 2

    store.snapshot_file().write_bytes(b"not gzip")  # the per-item read again, same answer
    assert get(api, "/traffic")[1]["data"] == per_item(reader)
