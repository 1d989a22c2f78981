"""Only ``init``, ``run`` and ``once`` create storage: the other commands refuse a store that
is not there (exit 3, saying so) and leave a mistyped data dir absent."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from collector.cli import main
from tests.conftest import AWS_REGION
from tests.core.conftest import PLUGIN_DIR
from tests.core.test_cli_settings import cli as cli_subprocess


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Done]


def in_process_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """``cli(*args, **env)``: the exit code and output of one command, on ``tmp_path/data``
    with the test plugins, with none of the session's ``PARIS_*`` settings."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.upper().startswith("PARIS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARIS_PLUGIN_DIR", str(PLUGIN_DIR))
    monkeypatch.setenv("PARIS_HEALTH_PORT", "0")

    def cli(*args: str, **env: str) -> Done:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: bad usage, --help
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return cli


READ_ONLY = [
    ["status"],
    ["status", "--json"],
    ["check"],
    ["report"],
    ["replay", "counter"],
    ["dlq", "list"],
    ["dlq", "replay"],
    ["aggregate"],
]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return in_process_cli(tmp_path, monkeypatch, capsys)


def no_store(proc: Done, *needles: str) -> None:
    assert proc.returncode == 3, proc
    err = proc.stderr
    assert "Traceback" not in err, err
    assert "no store" in err, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_mistyped_data_dir_is_reported_and_not_created(
    tmp_path: Path, cli: Cli, args: list[str]
) -> None:
    typo = tmp_path / "dta"
    done = cli(*args, PARIS_DATA_DIR=str(typo))
    no_store(done, f"no store at {typo} (no such directory)", "paris-collector init")
    assert not typo.exists()
    assert "never" not in done.stdout  # no "never run" rows for a store that is not there


def test_the_installed_command_says_the_same(tmp_path: Path) -> None:
    done = cli_subprocess(tmp_path, ["status"])
    assert done.returncode == 3, done.stderr
    assert f"no store at {tmp_path / 'data'}" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "data").exists()


def test_a_data_dir_without_a_database_is_no_store(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "data" / "spool").mkdir(parents=True)  # what a spool or a lock may leave
    no_store(cli("status"), "no paris.sqlite3")
    assert not (tmp_path / "data" / "paris.sqlite3").exists()


def test_init_then_the_read_only_commands_run(cli: Cli) -> None:
    assert cli("init").returncode == 0
    for args in (["status"], ["check"], ["dlq", "list"], ["replay", "counter"]):
        done = cli(*args)
        assert done.returncode == 0, (args, done.stderr)


def test_bad_usage_is_told_before_a_missing_store(tmp_path: Path, cli: Cli) -> None:
    # The name is wrong whatever the storage: exit 2 for it, not 3 for the store.
    assert cli("dlq", "list", "nope").returncode == 2
    assert cli("aggregate", "nope").returncode == 2
    assert cli("replay", "nope").returncode == 2
    assert not (tmp_path / "data").exists()


def aws(endpoint: str) -> dict[str, str]:
    return {
        "PARIS_STORAGE": "aws",
        "PARIS_S3_BUCKET": "paris-test",
        "PARIS_TABLE_PREFIX": "test_",
        "PARIS_AWS_ENDPOINT_URL": endpoint,
        "PARIS_AWS_REGION": AWS_REGION,
    }


def test_aws_without_a_bucket_says_there_is_no_store(cli: Cli, aws_endpoint: str) -> None:
    for args in (["status"], ["check"], ["dlq", "list"]):
        no_store(cli(*args, **aws(aws_endpoint)), "bucket paris-test does not exist")


def test_aws_without_its_tables_names_the_missing_one(cli: Cli, aws_endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=aws_endpoint, region_name=AWS_REGION)
    s3.create_bucket(
        Bucket="paris-test", CreateBucketConfiguration={"LocationConstraint": AWS_REGION}
    )
    for args in (["status"], ["status", "--json"], ["dlq", "list"], ["report"]):
        no_store(cli(*args, **aws(aws_endpoint)), "table test_", "does not exist")
    assert cli("init", **aws(aws_endpoint)).returncode == 0
    assert cli("check", **aws(aws_endpoint)).returncode == 0
