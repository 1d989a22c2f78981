"""The command line's own usage: options on either side of the command, help that shows the
defaults and the names a command takes, and ranges that cannot hold anything refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from collector.cli import COMMANDS
from tests.core.test_cli_store import Cli, in_process_cli

PLUGIN_COMMANDS = ["once", "replay", "dlq", "aggregate", "test-plugins"]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.setenv("COLUMNS", "80")
    return in_process_cli(tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_config_and_log_options_work_on_either_side_of_the_command(
    tmp_path: Path, cli: Cli, before: bool
) -> None:
    (tmp_path / "paris.toml").write_text('storage = "aws"\n')  # no bucket: a settings error
    options = ["--config", "paris.toml", "--log-level", "debug", "--log-format", "json"]
    args = [*options, "check"] if before else ["check", *options]
    done = cli(*args)
    assert done.returncode == 2, done
    assert "invalid setting PARIS_S3_BUCKET" in done.stderr


def test_the_value_after_the_command_wins_over_the_one_before(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "bad.toml").write_text('storage = "aws"\n')
    (tmp_path / "good.toml").write_text('storage = "local"\n')
    assert cli("--config", "bad.toml", "init", "--config", "good.toml").returncode == 0
    # Not given after the command: the one before is kept, not reset by a default.
    assert cli("--config", "bad.toml", "init").returncode == 2


def test_the_top_level_help_lists_every_command_on_one_line(cli: Cli) -> None:
    done = cli("--help")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    for name, (_fn, help_text) in COMMANDS.items():
        [line] = [x for x in lines if re.match(rf"^\s+{re.escape(name)}\s", x)]
        assert line.split(None, 1)[1] == help_text
        assert len(line) <= 80, line


def test_help_shows_the_defaults(cli: Cli) -> None:
    api = cli("api", "--help").stdout
    assert re.search(r"--port PORT\s+port \(0: any free one\) \(default: 8000\)", api), api
    assert "(default: 127.0.0.1)" in api
    demo = cli("demo", "--help").stdout
    assert "(default: ./demo-data)" in demo and "(default: 8765)" in demo
    assert "PARIS_LOG_LEVEL, else info" in cli("status", "--help").stdout
    assert "(default: yesterday)" in cli("report", "--help").stdout


def known(help_text: str, kind: str) -> set[str]:
    """The names listed after ``known <kind>:`` (the list may wrap over lines)."""
    after = help_text.split(f"known {kind}:", 1)[1].split("known ", 1)[0]
    return {name.strip() for name in after.replace("\n", " ").split(",")}


@pytest.mark.parametrize("command", PLUGIN_COMMANDS)
def test_help_lists_the_names_a_command_takes(cli: Cli, command: str) -> None:
    done = cli(command, "--help")
    assert done.returncode == 0
    # The drop-in plugins of PARIS_PLUGIN_DIR beside the built-in ones.
    if command in ("aggregate", "test-plugins"):
        assert {"counter_sum", "traffic_congestion_index"} <= known(done.stdout, "aggregations")
    if command != "aggregate":
        assert {"counter", "parking"} <= known(done.stdout, "sources")


def test_help_without_discovery_still_helps(tmp_path: Path, cli: Cli) -> None:
    done = cli("once", "--help", PARIS_PLUGIN_DIR=str(tmp_path / "missing"))
    assert done.returncode == 0
    assert "usage: paris-collector once" in done.stdout
    assert "known sources" not in done.stdout


def test_replay_refuses_since_after_until(cli: Cli) -> None:
    assert cli("init").returncode == 0
    done = cli("replay", "counter", "--since", "2025-11-05", "--until", "2025-11-04T12:00")
    assert done.returncode == 2
    assert "--since 2025-11-05T00:00:00+00:00" in done.stderr
    assert "--until 2025-11-04T12:00:00+00:00" in done.stderr
    future = cli("replay", "counter", "--since", "2999-01-01")
    assert future.returncode == 2 and "is later than now" in future.stderr
    assert (
        cli("replay", "counter", "--since", "2025-11-04", "--until", "2025-11-04").returncode == 0
    )


def test_report_refuses_a_day_in_the_future(cli: Cli) -> None:
    assert cli("init").returncode == 0
    done = cli("report", "--date", "2999-01-01")
    assert done.returncode == 2
    assert "--date 2999-01-01 is in the future" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["api", "--port", "70000"], ["demo", "--api-port", "-1"], ["demo", "--speed", "-2"]],
    ids=" ".join,
)
def test_out_of_range_numbers_are_bad_usage(cli: Cli, args: list[str]) -> None:
    done = cli(*args)
    assert done.returncode == 2
    assert "error: argument" in done.stderr
