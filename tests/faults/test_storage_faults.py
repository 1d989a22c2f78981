"""Storage outages under a running daemon: DynamoDB/S3 (moto) stopped and started again, and
a read-only SQLite database. Payloads wait in the spool; once storage answers, every payload
lands, in order, and no row is written twice."""

from __future__ import annotations

import subprocess
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from sources.parking import SOURCE as PARKING

from .helpers import (
    SAEMES_LIVE,
    Collector,
    Daemon,
    Line,
    Replay,
    free_port,
    payload_keys,
    published_hour,
    silver_keys,
    traffic_keys,
)

PAYLOAD_STATUSES = ("ok", "spooled")


class Moto:
    """A moto server on a fixed port that can be stopped and started again. Its state lives in
    this process, so what was written before the stop is there after the start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=10):
            pass

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    # Fake credentials, for the daemon and for the reads this test makes itself.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    server = Moto()
    server.start()
    yield server
    if server.server is not None:
        server.stop()


def payload_runs(daemon: Daemon, source: str) -> list[Line]:
    """The run lines of ``source`` that fetched a payload (stored or spooled)."""
    return [
        x
        for x in daemon.lines
        if x.get("source") == source
        and x.get("status") in PAYLOAD_STATUSES
        and x.get("raw_key")
        and x.get("event") in ("run", "source failing", "source still failing", "source recovered")
    ]


def wait_spooled(daemon: Daemon, source: str, after: int) -> Line:
    return daemon.wait_event(
        "source still failing",
        source,
        after=after,
        where=lambda x: x["status"] == "spooled",
    )


def assert_every_payload_landed_once(
    collector: Collector, daemon: Daemon, source: str
) -> set[tuple[str, str]]:
    """Every payload the daemon fetched is in bronze, and silver holds every record of every
    payload exactly once."""
    fetched = {x["raw_key"] for x in payload_runs(daemon, source)}
    bronze = collector.bronze(source)
    assert set(bronze) == fetched  # zero payloads lost, including the spooled ones
    keys = payload_keys(collector, PARKING, bronze)
    got = silver_keys(collector.silver(source))
    assert Counter(got).most_common(1)[0][1] == 1  # zero duplicate rows
    assert set(got) == keys  # zero records lost
    return keys


def test_dynamodb_and_s3_stopped_mid_run_and_started_again(
    collector: Collector, replay_upstream: Replay, moto: Moto
) -> None:
    collector.env.update(
        PARIS_STORAGE="aws",
        PARIS_S3_BUCKET="faults-bronze",
        PARIS_TABLE_PREFIX="faults_",
        PARIS_AWS_ENDPOINT_URL=moto.url,
        PARIS_AWS_MAX_ATTEMPTS="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="eu-west-3",
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
    )
    collector.read(lambda store: store.init())
    collector.sources["parking"]["enabled"] = True
    daemon = collector.start()
    daemon.wait_event("run", "parking", where=lambda x: x["status"] == "ok")

    # Every payload differs: the SAEMES counters tick every 2 minutes of the replay clock.
    replay_upstream.advance(120)
    moto.stop()
    mark = daemon.mark()
    failing = daemon.wait_event("source failing", "parking", after=mark)
    assert failing["status"] == "spooled" and failing["level"] == "error", failing
    for _ in range(2):
        at = daemon.mark()
        replay_upstream.advance(120)
        wait_spooled(daemon, "parking", at)
    moto.start()  # the same port, the same data
    replay_upstream.advance(120)
    recovered = daemon.wait_event("source recovered", "parking", after=mark)
    assert recovered["status"] == "ok"
    assert daemon.terminate() == 0

    stored = daemon.events("spooled payload stored")
    spooled = [x for x in payload_runs(daemon, "parking") if x["status"] == "spooled"]
    assert len(stored) == len(spooled) >= 3
    assert [x["raw_key"] for x in stored] == [x["raw_key"] for x in spooled]  # in order
    keys = assert_every_payload_landed_once(collector, daemon, "parking")
    # Each payload the upstream served is one that landed.
    served = [
        r
        for r in replay_upstream.requests(SAEMES_LIVE)
        if r["status"] == 200 and "offset=0" in r["query"]
    ]
    assert len(served) == len(payload_runs(daemon, "parking"))
    assert len(keys) > 130  # the payloads held different records
    assert not [x for x in daemon.lines if "exception" in x]


@contextmanager
def read_only(files: list[Path]) -> Iterator[None]:
    """Make the database immutable (even for root) for the duration of the block."""
    subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)


def test_read_only_database(collector: Collector, replay_upstream: Replay) -> None:
    for name in ("traffic", "parking"):
        collector.sources[name]["enabled"] = True
    daemon = collector.start()
    first = published_hour(replay_upstream)
    for name in ("traffic", "parking"):
        daemon.wait_event("run", name, where=lambda x: x["status"] == "ok" and x["written"] > 0)

    db = collector.db
    mark = daemon.mark()
    with read_only([db, db.with_name(db.name + "-wal")]):
        replay_upstream.advance(hours=1)  # a traffic hour and a parking tick published
        for name in ("traffic", "parking"):
            failing = daemon.wait_event("source failing", name, after=mark)
            assert failing["status"] == "spooled", failing
        at = daemon.mark()
        replay_upstream.advance(120)
        wait_spooled(daemon, "parking", at)
    replay_upstream.advance(hours=1)
    for name in ("traffic", "parking"):
        daemon.wait_event("source recovered", name, after=mark)
    daemon.wait(
        lambda: not list(collector.data_dir.joinpath("spool").glob("*.spool")), "spool empty"
    )
    assert daemon.terminate() == 0

    assert_every_payload_landed_once(collector, daemon, "parking")
    # The hour published during the outage was fetched once: the cursor of the spooled
    # payload held, although the stored one (still readable) lagged behind.
    spooled = [x for x in payload_runs(daemon, "traffic") if x["status"] == "spooled"]
    assert len(spooled) == 1 and len(daemon.events("source still failing", "traffic")) >= 1
    got = silver_keys(collector.silver("traffic"))
    assert Counter(got).most_common(1)[0][1] == 1
    assert set(got) == traffic_keys(replay_upstream, first, published_hour(replay_upstream))
    assert not [x for x in daemon.lines if "exception" in x]
