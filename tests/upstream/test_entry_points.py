"""Ways to run the replay: in a loop, in a thread, as a process; startup is fast."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp

from replay_upstream import ReplayClient, ReplayUpstream, start_in_thread
from replay_upstream.traffic_arcs import make_arcs

from .helpers import Replay

ROOT = Path(__file__).resolve().parents[2]


async def test_async_context_manager() -> None:
    async with ReplayUpstream(port=0, seed=3) as upstream:
        assert upstream.port > 0
        url = f"{upstream.url}/api/explore/v2.1/catalog/datasets/stationnement-en-ouvrage"
        async with aiohttp.ClientSession() as session, session.get(url + "/records") as answer:
            assert answer.status == 200
            assert (await answer.json())["total_count"] > 100


def test_thread_starts_fast_and_stops() -> None:
    started = time.monotonic()
    server = start_in_thread(seed=1)
    try:
        assert time.monotonic() - started < 2.0
        client = ReplayClient(server.url)
        assert client.env()["PARIS_SNCF_URL"] == server.url
        with urllib.request.urlopen(f"{server.url}/_replay/health") as answer:
            assert answer.status == 200
    finally:
        server.stop()


def test_seeds_give_different_but_reproducible_worlds(replay_upstream: Replay) -> None:
    seed0 = replay_upstream.world.traffic.arcs  # the session server runs seed 0
    assert make_arcs(0) == seed0
    assert [x["iu_ac"] for x in make_arcs(1)] != [x["iu_ac"] for x in seed0]


def test_module_entry_point() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "replay_upstream",
        "--port",
        "0",
        "--seed",
        "5",
        "--accelerate",
        "60",
        "--token",
        "secret",
    ]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        try:
            _check_running(process)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _check_running(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("replay upstream on http://127.0.0.1:"), line
    url = line.split()[3]
    client = ReplayClient(url)
    assert client.clock()["accelerate"] == 60
    request = urllib.request.Request(
        f"{url}/v1/coverage/sncf/stop_areas/stop_area:SNCF:87271007/departures",
        headers={"Authorization": "secret"},
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
