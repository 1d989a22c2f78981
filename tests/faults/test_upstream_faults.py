"""Upstream faults against a running daemon: it keeps running, names each fault once, and
collects every traffic hour published while the upstream was failing."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import orjson

from .helpers import (
    TRAFFIC,
    Collector,
    Line,
    Replay,
    free_port,
    published_hour,
    silver_keys,
    traffic_keys,
    wait_in_flight,
)

N_ARCS = 2977


def readyz(port: int) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
            body: dict[str, Any] = orjson.loads(resp.read())
    except urllib.error.HTTPError as err:
        body = orjson.loads(err.read())
    return body


def status_row(collector: Collector, source: str) -> str:
    """The source's row in the table of runs (the first; the objectives table follows)."""
    result = collector.cli("status")
    rows = [line for line in result.stdout.splitlines() if line.startswith(source + " ")]
    assert len(rows) == 2, result.stdout  # runs, then objectives
    return rows[0]


def test_traffic_outlives_every_upstream_fault_and_collects_every_hour(
    collector: Collector, replay_upstream: Replay
) -> None:
    health = free_port()
    collector.sources["traffic"]["enabled"] = True
    daemon = collector.start(
        PARIS_BREAKER_THRESHOLD="2", PARIS_HEALTH_PORT=str(health), PARIS_DRAIN_TIMEOUT="1"
    )
    first = published_hour(replay_upstream)
    daemon.wait_event("run", "traffic", where=lambda x: x["written"] > 0, timeout=60)

    # A field added upstream, for the whole time the change check fails (1-3 below): noted
    # once over three payloads, and every record still lands.
    added = replay_upstream.fault("add_field", match="/exports/json", field="vitesse", value=3.5)

    # 1. 500s until the breaker opens: visible in /readyz and `status`, then closes on success.
    mark = daemon.mark()
    fault = replay_upstream.fault("status", match=TRAFFIC, status=500)
    replay_upstream.advance(hours=1)
    daemon.wait_event("circuit breaker open", "traffic", after=mark)
    assert readyz(health)["sources"]["traffic"] == {"breaker": "open"}
    assert status_row(collector, "traffic").endswith(" open")
    replay_upstream.remove_fault(fault)
    daemon.wait_event("circuit breaker closed", "traffic", after=mark)
    recovered = daemon.wait_event("source recovered", "traffic", after=mark)
    assert recovered["written"] == N_ARCS and recovered["after_failures"] >= 2
    assert readyz(health)["sources"]["traffic"] == {"breaker": "closed"}
    assert collector.state("traffic")["breaker"] == "closed"  # what `status` shows

    # 2-4. 429 with Retry-After, a hanging answer, an export cut mid-stream: one window each,
    # with one hour published during it.
    windows: list[tuple[dict[str, Any], str]] = [
        ({"kind": "retry_after", "status": 429, "retry_after": 1, "match": TRAFFIC}, "429"),
        ({"kind": "hang", "delay": 5, "match": TRAFFIC}, "no answer within 2 s"),
        (
            {"kind": "truncate", "mode": "cut", "fraction": 0.5, "match": "/exports/json"},
            "broke off mid-stream",
        ),
    ]
    failures: list[Line] = []
    for options, words in windows:
        if options["kind"] == "truncate":
            replay_upstream.remove_fault(added)  # one fault per request: the cut takes over
        mark = daemon.mark()
        fault = replay_upstream.fault(**options)
        replay_upstream.advance(hours=1)
        failing = daemon.wait_event("source failing", "traffic", after=mark)
        failures.append(failing)
        assert words in failing["error"], failing
        replay_upstream.remove_fault(fault)
        recovered = daemon.wait_event("source recovered", "traffic", after=mark)
        assert (recovered["written"], recovered["invalid"]) == (N_ARCS, 0)
    # The client waited as long as the upstream asked before its retry.
    assert failures[0]["duration_s"] >= 1.0

    notices = daemon.events("upstream notice", "traffic")
    assert [(n["notice"], n["level"]) for n in notices] == [
        ("new_fields:traffic:vitesse", "warning")
    ]

    last = published_hour(replay_upstream)
    assert daemon.proc.poll() is None  # it never stopped

    # SIGTERM while the upstream hangs: the run is cancelled at PARIS_DRAIN_TIMEOUT, exit 0.
    hang = replay_upstream.fault("hang", match=TRAFFIC)
    wait_in_flight(replay_upstream, hang)
    stopping = time.monotonic()
    assert daemon.terminate() == 0
    assert time.monotonic() - stopping < 1 + 3
    [stopped] = daemon.events("daemon stopped")
    assert stopped["cancelled"] == 1

    # Every fault named once, as an error, on the transition; info on each recovery.
    errors = daemon.events("source failing", "traffic")
    assert len(errors) == 4 and {x["level"] for x in errors} == {"error"}
    assert "answered 500" in errors[0]["error"]
    recovered_lines = daemon.events("source recovered", "traffic")
    assert len(recovered_lines) == 4 and {x["level"] for x in recovered_lines} == {"info"}
    assert {x["level"] for x in daemon.events("source still failing")} <= {"info"}
    # No traceback for an expected failure, no crash, nothing but JSON lines.
    assert not [x for x in daemon.lines if "exception" in x or x.get("event") == "run crashed"]
    assert not daemon.events("<not json>")
    # Ticks that found the previous run still going (the hang) are warnings, not errors.
    assert {x["level"] for x in daemon.lines if x.get("logger")} <= {"warning"}

    # Every hour published, during the faults too, is in silver once; nothing set aside.
    assert (last - first).total_seconds() == 4 * 3600  # five hours: 22:00 to 02:00
    expected = traffic_keys(replay_upstream, first, last)
    got = silver_keys(collector.silver("traffic"))
    assert len(expected) == 5 * N_ARCS
    assert Counter(got).most_common(1)[0][1] == 1  # zero duplicates
    assert set(got) == expected  # zero lost
    assert collector.rejects("traffic") == []
