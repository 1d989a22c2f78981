"""``paris-collector demo`` never reports a dead child as running: a port taken before the
start, or a child that cannot start, is said (which and why) and ends the demo non-zero."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replay_upstream.demo import render
from tests.core.test_cli_serve import without
from tests.integration.test_serve_commands import clean_env, free_port

CLI = [sys.executable, "-m", "collector.cli"]
LINE = re.compile(r"^\d\d:\d\d:\d\d [\w' ]+: \S")
"""The demo console's one shape: ``HH:MM:SS <process>: <text>``."""


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def demo(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "demo", "--speed", "60", "--data-dir", str(tmp_path / "demo"), *args],
        cwd=tmp_path,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_port_in_use_stops_the_demo_before_anything_starts(
    tmp_path: Path, busy_port: int
) -> None:
    done = demo(
        tmp_path,
        *("--upstream-port", str(free_port()), "--api-port", str(busy_port), "--no-dashboard"),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"the API cannot start: port {busy_port} on 127.0.0.1 is in use" in done.stderr
    assert "--api-port" in done.stderr and "Traceback" not in done.stderr
    assert "started" not in done.stdout
    assert not (tmp_path / "demo").exists()


def test_two_servers_on_one_port_are_refused(tmp_path: Path) -> None:
    port = str(free_port())
    done = demo(tmp_path, "--upstream-port", port, "--api-port", port, "--no-dashboard")
    assert done.returncode == 2
    assert f"the API and the replay upstream cannot both listen on port {port}" in done.stderr


def test_a_child_that_cannot_start_ends_the_demo_saying_why(tmp_path: Path) -> None:
    # The API's extra missing: its command exits 2 at once while the daemon runs.
    done = demo(
        tmp_path,
        *("--upstream-port", str(free_port()), "--api-port", str(free_port())),
        "--no-dashboard",
        **without(tmp_path, "chalice"),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"demo: \[error\] API exited with code 2: .*needs chalice", out), out
    assert "stopping the others" in out
    assert "demo: collector daemon started" in out
    # One shape of line, the daemon's JSON events included, none printed as JSON.
    lines = [line for line in out.splitlines() if line.strip()]
    assert all(LINE.match(line) for line in lines), [x for x in lines if not LINE.match(x)]


def test_a_json_log_event_is_printed_in_the_console_shape() -> None:
    event = (
        '{"source": "parking", "written": 130, "error": "HTTP 503: upstream down",'
        ' "event": "run", "level": "warning", "timestamp": "2025-11-04T19:00:00Z"}'
    )
    assert (
        render(event) == "[warning] run source=parking written=130 error='HTTP 503: upstream down'"
    )
    assert render('{"event": "scheduler started", "level": "info"}') == "scheduler started"
    # Anything else (an access log, a banner, a JSON value that is no event) as it is.
    for line in ('127.0.0.1 - - "GET / HTTP/1.1" 200 -', "[1, 2]", '{"no": "event"}', "{oops"):
        assert render(line) == line
