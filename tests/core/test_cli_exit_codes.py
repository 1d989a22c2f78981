"""Exit codes as the README documents them, for every form of a command."""

from __future__ import annotations

import asyncio
from pathlib import Path

from collector.storage.local import LocalStore
from tests.core.test_cli_settings import cli


def test_status_and_status_json_agree_on_a_failing_source(tmp_path: Path) -> None:
    assert cli(tmp_path, ["init"]).returncode == 0
    assert cli(tmp_path, ["status"]).returncode == 0
    assert cli(tmp_path, ["status", "--json"]).returncode == 0

    async def failing() -> None:
        async with LocalStore(tmp_path / "data") as store:
            await store.put_state("parking", {"last_status": "failed", "consecutive_failures": 2})

    asyncio.run(failing())
    assert cli(tmp_path, ["status"]).returncode == 1
    assert cli(tmp_path, ["status", "--json"]).returncode == 1


def test_dlq_on_an_unknown_source_is_bad_usage(tmp_path: Path) -> None:
    assert cli(tmp_path, ["init"]).returncode == 0
    for action in ("list", "replay"):
        done = cli(tmp_path, ["dlq", action, "parkng"])
        assert done.returncode == 2, done.stderr
        assert "unknown source 'parkng'" in done.stderr and "parking" in done.stderr
    assert cli(tmp_path, ["dlq", "list", "parking"]).returncode == 0
