"""``paris-collector api``, ``dashboard`` and ``demo`` hand over to the reader's own process.

The core imports no reader and not the replay upstream: each command replaces itself with the
reader's process (same pid, so a supervisor's signal reaches the server), which gets the
settings as any child does: the environment, the working directory and ``--config``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "collector.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any ``PARIS_*`` setting of the test session."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    return {**env, **extra}


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def wait_for(probe: Callable[[], Any], proc: subprocess.Popen[str], seconds: float) -> Any:
    """``probe()``'s first truthy answer; fails if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited {proc.returncode}: {proc.communicate()[0]}"
        try:
            found = probe()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"not ready within {seconds} s")


def stop(proc: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc.returncode, out


def test_api_command_serves_with_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        f'storage = "local"\ndata_dir = "{(tmp_path / "data").as_posix()}"\n'
        "[sources.parking]\nenabled = false\n"
    )
    init = [*CLI, "init", "--config", str(config)]
    subprocess.run(init, cwd=tmp_path, env=clean_env(), check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "api", "--port", str(port), "--config", str(config), "--log-level", "warning"],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        status, body = wait_for(lambda: get(f"{base}/health"), proc, 60)
        assert status == 200, body
        assert json.loads(body)["data"]["storage"]["backend"] == "local"
        # Nothing ran yet: "enabled" is the reader's settings, i.e. the --config file's.
        status, body = get(f"{base}/sources")
        assert status == 200
        enabled = {s["name"]: s["enabled"] for s in json.loads(body)["data"]}
        assert enabled["parking"] is False and enabled["traffic"] is True
    finally:
        code, out = stop(proc, signal.SIGTERM)
    # SIGTERM to the command's own pid stopped the server itself: the command became it.
    assert code == 0, out
    assert f"Paris API on http://127.0.0.1:{port}/" in out


def test_api_command_with_a_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('storag = "local"\n')
    done = subprocess.run(
        [*CLI, "api", "--port", str(free_port()), "--config", str(config)],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "storage" in done.stderr  # the closest valid name


def test_dashboard_command_serves_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "dashboard", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(PARIS_STORAGE="local", PARIS_DATA_DIR=str(tmp_path / "data")),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, body = wait_for(lambda: get(f"http://127.0.0.1:{port}/_stcore/health"), proc, 90)
        assert (status, body) == (200, b"ok")
    finally:
        code, out = stop(proc, signal.SIGTERM)
    assert code in (0, -signal.SIGTERM), out


def test_demo_without_the_replay_upstream_says_so_and_exits_2(tmp_path: Path) -> None:
    # A wheel install has no replay_upstream: make it unimportable, as it would be there.
    script = (
        "import sys; sys.modules['replay_upstream'] = None\n"
        "from collector.cli import main\n"
        "sys.exit(main(['demo', '--no-api', '--no-dashboard']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "the demo needs the replay upstream" in done.stderr
    assert not (tmp_path / "demo-data").exists()


def test_demo_collects_from_the_replay_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    upstream_port = free_port()
    data_dir = tmp_path / "demo"
    proc = subprocess.Popen(
        [
            *CLI,
            "demo",
            *("--no-api", "--no-dashboard", "--speed", "60"),
            *("--upstream-port", str(upstream_port), "--data-dir", str(data_dir)),
        ],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        upstream = f"http://127.0.0.1:{upstream_port}"
        assert wait_for(lambda: get(f"{upstream}/_replay/health")[0] == 200, proc, 60)
        # The daemon, pointed at the replay, stores what it fetched from it.
        bronze = data_dir / "bronze"
        assert wait_for(lambda: any(p.is_file() for p in bronze.rglob("*")), proc, 90)
        requests = json.loads(get(f"{upstream}/_replay/requests")[1])
        assert requests
    finally:
        code, out = stop(proc, signal.SIGINT)
    assert code == 0, out
    assert f"demo: replay upstream on {upstream}" in out
    assert "demo: collector daemon started" in out


def test_the_core_loads_no_reader_and_not_the_replay_upstream(tmp_path: Path) -> None:
    # .importlinter checks the import statements; this checks what really gets loaded, plugin
    # discovery included (the replay upstream is no longer in the plugin namespace).
    script = (
        "import sys\n"
        "from collector.cli import build_parser, load_context\n"
        "ctx = load_context(build_parser().parse_args(['plugins']))\n"
        "print(sorted(ctx.registry.sources))\n"
        "roots = {m.partition('.')[0] for m in sys.modules}\n"
        "print(sorted(roots & {'replay_upstream', 'dashboard', 'readlayer', 'chalicelib',"
        " 'streamlit', 'chalice'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    sources, loaded = done.stdout.splitlines()[-2:]
    assert "'traffic'" in sources and "_upstream" not in sources
    assert loaded == "[]"
