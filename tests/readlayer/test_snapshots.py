""" "Now" from the stored latest snapshot: the same answers as the per-item read, fewer requests.

The four built-in sources run once through the daemon's own runners against the replay
upstream, on SQLite and on DynamoDB + S3 (the moto server); the runner writes each dataset's
snapshot. Every snapshot answer is then compared with the latest view read item by item.
"""

from __future__ import annotations

import asyncio
import gzip
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector import keys
from collector import snapshot as snap
from collector.daemon import Services, run_once
from collector.plugin import Record, Reference, Source
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings
from collector.storage import Reader, make_reader, make_store
from collector.storage.base import Row
from readlayer import reads
from replay_upstream.thread import ThreadedReplay
from tests.conftest import AWS_REGION

SOURCES = {
    "local": ("traffic", "parking", "departures", "velib"),
    # moto takes seconds per thousand items: traffic's ~6,000 (arcs and counts) would make
    # this module take minutes there. Its first arcs are copied in instead (``ARCS_ON_MOTO``)
    # and snapshotted by the same daemon function; the object read is the same whatever
    # its size.
    "aws": ("parking", "departures"),
}
ARCS_ON_MOTO = 300
GARE_DE_LYON = "stop_area:SNCF:87686006"


@dataclass
class Seeded:
    settings: Settings
    datasets: tuple[str, ...]
    views: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def per_item(self, reader: Reader, dataset: str) -> list[dict[str, Any]]:
        """The latest view read item by item (once: on moto it takes seconds per dataset)."""
        if dataset not in self.views:
            self.views[dataset] = reader.latest(dataset)
        return self.views[dataset]


def _settings(backend: str, data_dir: Path, upstream: str, moto: str) -> Settings:
    options: dict[str, Any] = {
        "storage": backend,
        "data_dir": data_dir,
        "opendata_url": upstream,
        "saemes_url": upstream,
        "sncf_url": upstream,
        "sncf_token": "snapshot-test-token",
        "health_port": 0,
        "http_retries": 0,
        "sources": {
            "traffic": {"backfill_hours": 1},
            "departures": {"stop_areas": [GARE_DE_LYON]},
            "velib": {"gbfs_url": f"{upstream}/opendata/Velib_Metropole/gbfs.json"},
        },
    }
    if backend == "aws":
        options |= {
            "s3_bucket": "paris-snapshots",
            "table_prefix": "snap_",
            "aws_endpoint_url": moto,
            "aws_region": AWS_REGION,
        }
    return Settings(_env_file=None, **options)


async def _collect(settings: Settings, traffic: list[Row]) -> tuple[str, ...]:
    registry = discover(settings.plugin_dir)
    names = SOURCES[settings.storage]
    async with Services(settings, registry, resolve(registry, settings)) as held:
        await held.open_store()
        await held.store.init()
        results = await run_once(held, names)
        assert [r.status for r in results] == ["ok"] * len(names), results
        datasets = [d for name in names for d in held.runners[name].source.datasets()]
        if traffic:
            source = registry.source("traffic")
            await held.store.put_rows(traffic, history=False, expires_at=4_000_000_000)
            await snap.write_snapshots(
                held.store, source, interval=source.interval, now=datetime.now(UTC)
            )
            datasets += source.datasets()
        return tuple(datasets)


def _first_arcs(settings: Settings) -> list[Row]:
    """Traffic's first arcs (counts and reference) as the runner stored them on SQLite."""

    async def read() -> list[Row]:
        async with make_store(settings) as store:
            rows = []
            for dataset in ("traffic", "traffic.arcs"):
                for item in (await store.read_latest(dataset))[:ARCS_ON_MOTO]:
                    at = str(item["observed_at"])
                    rows.append(Row(dataset, str(item["entity_id"]), at, item, "copied"))
            return rows

    return asyncio.run(read())


async def _collect_traffic(settings: Settings) -> None:
    registry = discover(settings.plugin_dir)
    async with Services(settings, registry, resolve(registry, settings)) as held:
        await held.open_store()
        await held.store.init()
        assert (await held.runners["traffic"].run()).status == "ok"


@pytest.fixture(scope="module")
def fake_aws() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", AWS_REGION),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ):
            mp.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module", params=["local", "aws"])
def seeded(
    request: pytest.FixtureRequest,
    replay_upstream_server: ThreadedReplay,
    moto_server: str,
    fake_aws: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Seeded:
    from replay_upstream.client import ReplayClient

    replay = ReplayClient(replay_upstream_server.url)
    replay.reset()
    replay.set_clock(datetime.now(UTC))  # departures leave the board by the wall clock
    if request.param == "aws":
        reset = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=10):
            pass
    data_dir = tmp_path_factory.mktemp(f"snap-{request.param}") / "data"
    settings = _settings(request.param, data_dir, replay_upstream_server.url, moto_server)
    traffic: list[Row] = []
    if request.param == "aws":
        local = _settings("local", data_dir.parent / "traffic", replay_upstream_server.url, "")
        asyncio.run(_collect_traffic(local))
        traffic = _first_arcs(local)
    datasets = asyncio.run(_collect(settings, traffic))
    replay.reset()
    return Seeded(settings, datasets)


@pytest.fixture
def reader(seeded: Seeded) -> Iterator[Reader]:
    opened = make_reader(seeded.settings)
    yield opened
    opened.close()


def per_item_traffic(seeded: Seeded, reader: Reader, where: dict[str, Any]) -> list[dict[str, Any]]:
    """What ``/traffic`` joined before snapshots: the latest view and the arc reference."""
    items = seeded.per_item(reader, "traffic")
    items = [i for i in items if all(i.get(k) == v for k, v in where.items())]
    arcs = seeded.per_item(reader, "traffic.arcs")
    lines = {str(a.get("entity_id")): a.get("geometry") for a in arcs}
    return [{**i, "geometry": lines.get(str(i.get("entity_id")))} for i in items]


def test_every_dataset_has_a_snapshot_equal_to_its_latest_view(
    seeded: Seeded, reader: Reader
) -> None:
    assert set(seeded.datasets) >= {"traffic", "traffic.arcs", "parking", "departures"}
    assert ("velib" in seeded.datasets) == (seeded.settings.storage == "local")
    for dataset in seeded.datasets:
        found = reads.snapshot(reader, dataset)
        assert found is not None, dataset
        per_item = seeded.per_item(reader, dataset)
        assert per_item, dataset
        assert reads.latest(reader, dataset) == per_item, dataset
        assert found.dataset == dataset and len(found.items) == len(per_item)


def test_filters_and_pages_are_the_per_item_ones(seeded: Seeded, reader: Reader) -> None:
    for dataset in seeded.datasets:
        per_item = seeded.per_item(reader, dataset)
        wanted = {"arrondissement": per_item[0].get("arrondissement")}
        expected = [i for i in per_item if i.get("arrondissement") == wanted["arrondissement"]]
        assert reads.latest(reader, dataset, wanted) == expected, dataset
        first = reads.page(reads.latest(reader, dataset), limit=7)
        assert first == reads.page(per_item, limit=7), dataset


def test_traffic_with_its_geometry_is_the_per_item_join(seeded: Seeded, reader: Reader) -> None:
    per_item = per_item_traffic(seeded, reader, {})
    joined = reads.with_reference(
        reader, "traffic", field="geometry", reference="traffic.arcs", value="geometry"
    )
    assert joined == per_item
    assert sum(i["geometry"] is not None for i in joined) > len(joined) * 0.9
    state = per_item[0]["traffic_state"]
    assert reads.with_reference(
        reader,
        "traffic",
        field="geometry",
        reference="traffic.arcs",
        value="geometry",
        where={"traffic_state": state},
    ) == per_item_traffic(seeded, reader, {"traffic_state": state})


class Requests:
    """Every request a boto3 client sends (retries included), by botocore's own hooks."""

    def __init__(self) -> None:
        self.sent = 0
        self.calls: list[str] = []

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-send", self.count)
        client.meta.events.register("before-parameter-build", self.call)

    def count(self, **_: Any) -> None:
        self.sent += 1

    def call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(f"{model.name} {params.get('TableName') or params.get('Key')}")


@pytest.mark.parametrize("seeded", ["aws"], indirect=True)  # SQLite sends no request
def test_traffic_now_takes_at_most_three_storage_requests_on_aws(
    seeded: Seeded, reader: Reader
) -> None:
    inner: Any = reader.inner  # type: ignore[attr-defined]  # the masking wrapper's backend
    requests = Requests()
    requests.watch(inner._ddb)
    requests.watch(inner.s3)
    # What /traffic reads: the arcs with their geometry, and the source's state (freshness).
    joined = reads.with_reference(
        reader, "traffic", field="geometry", reference="traffic.arcs", value="geometry"
    )
    reader.states()
    assert requests.sent <= 3, requests.calls
    assert len(joined) >= ARCS_ON_MOTO
    # The snapshots and the state table: the thousands of items of silver are not queried.
    # (The arcs' object is read unless the traffic plugin declares the join.)
    assert set(requests.calls) <= {
        "GetObject snapshots/traffic.json.gz",
        "GetObject snapshots/traffic.arcs.json.gz",
        "Query snap_state",
    }, requests.calls


# Fallbacks: a snapshot that is absent, damaged or no longer refreshed is never served.


def _put(settings: Settings, key: str, body: bytes) -> None:
    async def put() -> None:
        async with make_store(settings) as store:
            await store.put_object(key, body, snap.CONTENT_TYPE)

    asyncio.run(put())


def _stored(reader: Reader, dataset: str) -> bytes:
    body = reader.get_object(snap.snapshot_key(dataset))
    assert body is not None
    return body


def test_a_damaged_or_stale_snapshot_falls_back_to_the_latest_view(
    seeded: Seeded, reader: Reader
) -> None:
    key = snap.snapshot_key("parking")
    original = _stored(reader, "parking")
    good = snap.decode(original, "parking")
    wrong = replace(good, items=[{**i, "free_places": -1} for i in good.items])
    per_item = seeded.per_item(reader, "parking")
    try:
        # What the snapshot says is served while it is refreshed...
        _put(seeded.settings, key, snap.encode(wrong))
        assert reads.latest(reader, "parking") != per_item
        # ...and never once it is not: damaged, truncated, another version, or too old.
        trusted = max(timedelta(seconds=good.interval_s * snap.TRUST_INTERVALS), snap.MIN_TRUST)
        made = datetime.now(UTC) - trusted - timedelta(minutes=1)
        document = orjson.loads(gzip.decompress(snap.encode(wrong)))
        for body in (
            b"not gzip",
            original[: len(original) // 2],
            gzip.compress(orjson.dumps({**document, "version": 99})),
            gzip.compress(orjson.dumps({**document, "rows": 1})),
            snap.encode(replace(wrong, generated_at=keys.ts(made))),
            snap.encode(replace(wrong, dataset="velib")),
        ):
            _put(seeded.settings, key, body)
            assert reads.snapshot(reader, "parking") is None
            assert reads.latest(reader, "parking") == per_item
    finally:
        _put(seeded.settings, key, original)
    assert reads.latest(reader, "parking") == per_item


def test_entities_leave_the_snapshot_when_their_latest_ttl_ends(
    seeded: Seeded, reader: Reader
) -> None:
    found = reads.snapshot(reader, "departures")
    assert found is not None and found.latest_ttl_s is not None
    times = sorted({str(i["observed_at"]) for i in found.items})
    middle = datetime.fromisoformat(times[len(times) // 2].replace("Z", "+00:00"))
    later = middle + timedelta(seconds=found.latest_ttl_s + 1)
    kept = found.current(later)
    assert 0 < len(kept) < len(found.items)
    assert all(str(i["observed_at"]) > times[len(times) // 2] for i in kept)
    assert found.current(datetime.now(UTC)) == reader.latest("departures")


def test_no_snapshot_means_the_per_item_read(seeded: Seeded, reader: Reader) -> None:
    assert reader.get_object(snap.snapshot_key("no.such.dataset")) is None
    assert reads.snapshot(reader, "no.such.dataset") is None
    assert reads.latest(reader, "no.such.dataset") == []


# A reference declared by the plugin is stored joined: one read, the same answer.


class Arc(Record):
    stream = "lines"
    history = False
    line: list[float] | None = None


class Count(Record):
    flow: int
    references = (Reference(field="line", dataset="toy.lines", value="line"),)


async def _fetch(_: Any) -> None:
    return None


TOY = Source(
    name="toy",
    description="a source whose counts take their line from its reference",
    interval=timedelta(minutes=5),
    records=(Count, Arc),
    fetch=_fetch,
    parse=lambda _: [],
)


def test_a_declared_reference_is_stored_joined(local_settings: Settings) -> None:
    at = "2025-11-04T22:00:00Z"

    def rows(dataset: str, name: str, values: dict[str, Any]) -> list[Row]:
        return [
            Row(dataset, e, at, {"entity_id": e, "observed_at": at, name: v}, "k")
            for e, v in values.items()
        ]

    counts = rows("toy", "flow", {"1": 5, "2": 7, "3": 9})
    lines = rows("toy.lines", "line", {"1": [2.35, 48.85], "2": None, "9": [2.3, 48.8]})

    async def write() -> dict[str, int]:
        async with make_store(local_settings) as store:
            await store.init()
            await store.put_rows(counts, history=True, expires_at=4_000_000_000)
            await store.put_rows(lines, history=False, expires_at=4_000_000_000)
            return await snap.write_snapshots(
                store, TOY, interval=TOY.interval, now=datetime.now(UTC)
            )

    written = asyncio.run(write())
    assert set(written) == {"toy", "toy.lines"}
    reader = make_reader(local_settings)
    try:
        found = reads.snapshot(reader, "toy")
        assert found is not None
        assert found.joined == {"line": {"1": [2.35, 48.85]}}
        expected = [
            {**i, "line": {"1": [2.35, 48.85]}.get(i["entity_id"])} for i in reader.latest("toy")
        ]
        joined = reads.with_reference(
            reader, "toy", field="line", reference="toy.lines", value="line"
        )
        assert joined == expected
        # Asked for another join than the declared one, it is made at read time.
        other = reads.with_reference(
            reader, "toy", field="where", reference="toy.lines", value="line"
        )
        assert [i["where"] for i in other] == [[2.35, 48.85], None, None]
    finally:
        reader.close()
