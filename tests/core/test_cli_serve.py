"""``api`` and ``dashboard`` say in one line why they cannot serve (a port in use, a missing
extra) and exit 2, before handing over to the reader's process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.test_cli_settings import cli

HIDER = '''\
"""Test-only: the packages named in HIDE_PACKAGES cannot be found, as if not installed."""
import os
import sys


class Hidden:
    names = set(filter(None, os.environ.get("HIDE_PACKAGES", "").split(",")))

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Hidden())
'''


def without(tmp_path: Path, *packages: str) -> dict[str, str]:
    """Environment in which ``packages`` are not importable (a ``sitecustomize`` on the path),
    as after ``uv sync --no-dev``: the command must notice before it hands over."""
    site = tmp_path / "hide"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(HIDER)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "HIDE_PACKAGES": ",".join(packages)}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def one_line_refusal(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


@pytest.mark.parametrize("command", ["api", "dashboard"])
def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, busy_port: int, command: str) -> None:
    done = cli(tmp_path, [command, "--port", str(busy_port)])
    one_line_refusal(done, f"port {busy_port} on 127.0.0.1 is in use", "--port")


def test_a_host_this_machine_does_not_have_is_exit_2(tmp_path: Path) -> None:
    done = cli(tmp_path, ["api", "--host", "192.0.2.1", "--port", "8000"])  # TEST-NET-1
    one_line_refusal(done, "cannot listen on port 8000 on 192.0.2.1")


def test_api_without_its_extra_says_what_to_install(tmp_path: Path) -> None:
    done = cli(tmp_path, ["api", "--port", "0"], **without(tmp_path, "chalice"))
    one_line_refusal(done, "needs chalice", "uv sync --extra api", "paris-collector[api]")


def test_dashboard_without_its_extra_names_each_missing_package(tmp_path: Path) -> None:
    done = cli(tmp_path, ["dashboard", "--port", "0"], **without(tmp_path, "plotly", "pandas"))
    one_line_refusal(done, "needs plotly, pandas", "uv sync --extra dashboard")
    assert "streamlit" not in done.stderr.split("needs", 1)[1].split(",")[0]


def test_the_hider_hides_only_what_it_is_told(tmp_path: Path) -> None:
    # Guards the two tests above: they prove something only if the hiding works, and only
    # for the packages named.
    probe = "import importlib.util as u; print(u.find_spec('pandas') is None)"
    for hidden, expected in (("pandas", "True"), ("chalice", "False")):
        env = {**os.environ, **without(tmp_path, hidden)}
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
        )
        assert done.stdout.strip() == expected or "ModuleNotFoundError" in done.stderr
