"""Bad settings through the real command line: exit 2, one clear message, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.conftest import PLUGIN_DIR

COMMANDS = [
    ["check"],
    ["run"],
    ["once"],
    ["status"],
    ["aggregate"],
    ["report"],
    ["replay", "counter"],
    ["dlq", "list"],
    ["init"],
    ["plugins"],
]


def cli(tmp_path: Path, args: list[str], **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PARIS_")}
    env.update(
        PARIS_DATA_DIR=str(tmp_path / "data"),
        PARIS_PLUGIN_DIR=str(PLUGIN_DIR),
        PARIS_HEALTH_PORT="0",
        **env_extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "collector.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refused(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert "settings: ok" not in proc.stdout
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_every_command_refuses_an_unreadable_config_file(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "paris.toml").write_bytes(b"jitter = \n")
    refused(cli(tmp_path, [*args, "--config", "paris.toml"]), "paris.toml is not valid TOML")


@pytest.mark.parametrize("args", [["check"], ["run"], ["once"]], ids=lambda a: a[0])
def test_an_unreadable_dotenv_is_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / ".env").mkdir()
    refused(cli(tmp_path, args), ".env is a directory")


@pytest.mark.parametrize("args", [["check"], ["run"]], ids=lambda a: a[0])
def test_a_misspelled_variable_or_key_is_exit_2(tmp_path: Path, args: list[str]) -> None:
    refused(
        cli(tmp_path, args, PARIS_STORAG="aws"),
        "unknown setting PARIS_STORAG in the environment; did you mean PARIS_STORAGE?",
    )
    (tmp_path / "paris.toml").write_text('storag = "local"\n')
    refused(cli(tmp_path, [*args, "--config", "paris.toml"]), "did you mean 'storage'?")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARIS_HTTP_TIMEOUT", "inf"),
        ("PARIS_BREAKER_COOLDOWN", "nan"),
        ("PARIS_SOURCES__COUNTER__INTERVAL", "inf"),
        ("PARIS_SOURCES__COUNTER__RETENTION_DAYS", "1000000000"),
    ],
)
def test_run_refuses_what_would_crash_it(tmp_path: Path, name: str, value: str) -> None:
    refused(cli(tmp_path, ["run"], **{name: value}), f"invalid setting {name}")


@pytest.mark.parametrize("args", [["check"], ["run"], ["once"], ["status"]], ids=lambda a: a[0])
def test_aws_without_a_bucket_is_a_settings_error_not_a_storage_one(
    tmp_path: Path, args: list[str]
) -> None:
    refused(cli(tmp_path, args, PARIS_STORAGE="aws"), "invalid setting PARIS_S3_BUCKET")
