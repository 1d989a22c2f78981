"""DynamoDB and S3 (moto) stopped mid-run and started again under a running daemon: payloads
wait in the spool; once storage answers, every payload lands, in order, and no row is written
twice. (The read-only SQLite database is in test_crash.py, after the crashes.)"""

from __future__ import annotations

import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from sources.parking import SOURCE as PARKING

from .helpers import (
    SAEMES_LIVE,
    Collector,
    Daemon,
    Replay,
    aws_env,
    free_port,
    payload_keys,
    payload_runs,
    silver_keys,
    wait_spooled,
)


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
        # Serving again: a bucket listing, cheap whatever moto holds (its state is the whole
        # process's, so /moto-api/data.json grows with every other test's S3 objects).
        with urllib.request.urlopen(f"{self.url}/", timeout=10):
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
        **aws_env(moto.url, "faults-bronze", "faults_"),
        PARIS_AWS_MAX_ATTEMPTS="1",
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
    assert len(stored) == len(spooled) >= 2
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
