"""Two daemons on one AWS storage (moto server), each with its own data dir, sharing the work
through leases: every traffic hour is fetched once, by the lease holder; ``kill -9`` of the
holder and the other takes over within one lease duration; nothing lost, nothing twice."""

from __future__ import annotations

import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from .helpers import (
    TRAFFIC,
    Collector,
    Daemon,
    Replay,
    aws_env,
    published_hour,
    silver_keys,
    traffic_keys,
)

LEASE = 12.0  # renewed every 4 s: on moto a first traffic run (its writes, the ledger, the
# snapshot) takes 20-40 s on a loaded 2-core box and delays the renewals queued behind it
N_ARCS = 2977
# An analytic of a source left off: it runs on empty inputs, cheaply, every 2 s.
ANALYTIC = "departures_total"


def until(found: Callable[[], Any], what: str, daemons: list[Daemon], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        for daemon in daemons:
            daemon.poll()
            assert daemon.proc.poll() is None, f"{what}: a daemon exited: {daemon.lines[-5:]}"
        result = found()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not seen"
        time.sleep(0.05)


def acquired(daemon: Daemon, lease: str) -> bool:
    return any(x.get("lease") == lease for x in daemon.events("lease acquired"))


def count_exports(replay: Replay) -> list[str]:
    """The ``where`` of every counts export the upstream answered (arc exports left out)."""
    wheres = []
    for request in replay.requests(f"{TRAFFIC}/exports/json"):
        query = urllib.parse.parse_qs(request["query"])
        if request["status"] == 200 and query["select"][0].startswith("iu_ac,libelle,t_1h,q,"):
            wheres.append(query["where"][0])
    return wheres


@pytest.mark.timeout(300)  # two daemons and moto on 2 cores: a first traffic run alone is ~25 s
def test_two_daemons_share_by_lease_and_survive_a_kill_9_of_the_holder(
    collector: Collector, replay_upstream: Replay, aws_endpoint: str
) -> None:
    collector.env.update(
        **aws_env(aws_endpoint, "lease-bronze", "lease_"),
        PARIS_LEASE_DURATION=str(LEASE),
        **{
            f"PARIS_AGGREGATIONS__{ANALYTIC.upper()}__ENABLED": "true",
            f"PARIS_AGGREGATIONS__{ANALYTIC.upper()}__INTERVAL": "2",
        },
    )
    collector.read(lambda store: store.init())
    collector.sources["traffic"]["enabled"] = True
    first = published_hour(replay_upstream)
    # Two instances: each its own data dir (its spool is its own), one shared storage.
    daemons = {
        name: collector.start(PARIS_DATA_DIR=str(collector.root / name), PARIS_DAEMON_ID=name)
        for name in ("a", "b")
    }
    both = list(daemons.values())

    def holder_of(lease: str) -> str | None:
        return next((n for n, d in daemons.items() if acquired(d, lease)), None)

    holder = until(lambda: holder_of("source:traffic"), "traffic lease taken", both, 30)
    standby = "b" if holder == "a" else "a"
    # The first run stores the newest hour and the arc reference.
    daemons[holder].wait_event("run", "traffic", where=lambda x: x["written"] > 0, timeout=60)
    agg_holder = until(lambda: holder_of("aggregations"), "aggregations lease taken", both, 30)
    daemons[agg_holder].wait_event("aggregation", where=lambda x: x["status"] == "ok")

    # status shows who holds what, with the expiry.
    status = collector.cli("status", "--json", PARIS_DATA_DIR=str(collector.root / "c"))
    assert status.returncode == 0, status.stderr
    leases = {x["name"]: x for x in orjson.loads(status.stdout)["leases"]}
    assert set(leases) == {"source:traffic", "aggregations", "report", "lake"}
    assert leases["source:traffic"]["holder"] == holder
    assert leases["aggregations"]["holder"] == agg_holder
    # (status reads its clock before it opens the store: a lease renewed since looks longer)
    assert all(0 < x["expires_in_s"] <= LEASE + 1 for x in leases.values()), leases
    assert not any(x["expired"] for x in leases.values()), leases
    text = collector.cli("status", PARIS_DATA_DIR=str(collector.root / "c")).stdout
    assert "source:traffic" in text and f" {holder} " in text and "expires in" in text

    # The standby ran nothing it does not hold, and knows who does.
    assert not daemons[standby].events("run", "traffic")
    for name, daemon in daemons.items():
        assert bool(daemon.events("aggregation")) == (name == agg_holder)
    [told] = [
        x
        for x in daemons[standby].events("lease held by another daemon")
        if x["lease"] == "source:traffic"
    ]
    assert told["holder"] == holder

    # kill -9 of the holder while the next hour is published: the survivor takes over within
    # one lease duration (plus this test's polling), and fetches that hour at once.
    daemons[holder].kill()
    killed_at = time.monotonic()
    replay_upstream.advance(hours=1)
    survivor = daemons[standby]
    until(lambda: acquired(survivor, "source:traffic"), "take-over", [survivor], LEASE + 5)
    assert time.monotonic() - killed_at <= LEASE + 1.0
    survivor.wait_event("run", "traffic", where=lambda x: x["written"] == N_ARCS, timeout=45)
    if agg_holder == holder:  # the analytics moved too
        until(lambda: acquired(survivor, "aggregations"), "aggregations take-over", [survivor], 10)
        survivor.wait_event("aggregation", where=lambda x: x["status"] == "ok")
    assert survivor.terminate() == 0
    released = {x["lease"] for x in survivor.events("lease released")}
    assert {"source:traffic", "aggregations", "report", "lake"} <= released
    assert collector.read(lambda store: store.list_leases()) == []

    # Each hour fetched once, by one daemon or the other, and stored once.
    last = published_hour(replay_upstream)
    assert (last - first).total_seconds() == 3600
    exports = count_exports(replay_upstream)
    assert len(exports) == len(set(exports)) == 2, exports
    assert len(collector.bronze("traffic")) == 2
    got = silver_keys(collector.silver("traffic"))
    assert Counter(got).most_common(1)[0][1] == 1  # zero duplicates
    assert set(got) == traffic_keys(replay_upstream, first, last)  # zero lost
    for daemon in both:
        assert not [x for x in daemon.lines if "exception" in x or x["event"] == "<not json>"]
