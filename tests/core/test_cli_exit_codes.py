"""Exit codes as the README documents them, for every form of a command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from collector.storage.local import LocalStore


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    env.update(PARIS_DATA_DIR=str(tmp_path / "data"), PARIS_LOG_FORMAT="json")
    return subprocess.run(
        [sys.executable, "-m", "collector.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_and_status_json_agree_on_a_failing_source(tmp_path: Path) -> None:
    assert cli(tmp_path, "init").returncode == 0
    assert cli(tmp_path, "status").returncode == 0
    assert cli(tmp_path, "status", "--json").returncode == 0

    async def failing() -> None:
        async with LocalStore(tmp_path / "data") as store:
            await store.put_state("parking", {"last_status": "failed", "consecutive_failures": 2})

    asyncio.run(failing())
    assert cli(tmp_path, "status").returncode == 1
    assert cli(tmp_path, "status", "--json").returncode == 1


def test_dlq_on_an_unknown_source_is_bad_usage(tmp_path: Path) -> None:
    assert cli(tmp_path, "init").returncode == 0
    for action in ("list", "replay"):
        done = cli(tmp_path, "dlq", action, "parkng")
        assert done.returncode == 2, done.stderr
        assert "unknown source 'parkng'" in done.stderr and "parking" in done.stderr
    assert cli(tmp_path, "dlq", "list", "parking").returncode == 0
