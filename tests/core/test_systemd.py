"""The systemd unit lints clean, and the daemon speaks the notify protocol for real."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collector.settings import Settings
from tests.core.conftest import Daemon

ROOT = Path(__file__).parents[2]
UNIT = ROOT / "systemd" / "paris-collector.service"
DASHBOARD_UNIT = ROOT / "systemd" / "paris-dashboard.service"


@pytest.mark.parametrize("source", [UNIT, DASHBOARD_UNIT], ids=lambda p: p.name)
def test_unit_verifies_clean(tmp_path: Path, source: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed (Debian package systemd; .ci/run installs it)"
    unit = tmp_path / source.name
    exe = Path(sys.executable).with_name("paris-collector")
    unit.write_text(
        source.read_text().replace("/opt/paris-collector/.venv/bin/paris-collector", str(exe))
    )
    proc = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    # systemd-analyze exits 0 on warnings: any output on stderr is a failure.
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr


def test_unit_promises() -> None:
    text = UNIT.read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.M))
    assert settings["Type"] == "notify"
    assert settings["Restart"] == "on-failure"
    stop = int(settings["TimeoutStopSec"].rstrip("s"))
    assert stop > Settings.model_fields["drain_timeout"].default + 5
    assert int(settings["WatchdogSec"]) >= 15
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert settings[key] == "yes"
    assert settings["ProtectSystem"] == "strict"
    assert settings["CapabilityBoundingSet"] == ""
    assert settings["ReadWritePaths"] == "/var/lib/paris-collector"
    assert "EnvironmentFile" in settings and "User" in settings


def test_dashboard_unit_is_a_hardened_local_reader() -> None:
    text = DASHBOARD_UNIT.read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.M))
    command = settings["ExecStart"].split()
    assert command[1:3] == ["dashboard", "--host"] and command[3] == "127.0.0.1"
    assert settings["User"] != "paris-collector"  # a reader runs apart from the writer
    assert settings["ProtectSystem"] == "strict" and settings["NoNewPrivileges"] == "yes"
    assert settings["ReadWritePaths"] == settings["WorkingDirectory"]


@pytest.fixture
def notify_socket(tmp_path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(0.2)
    return sock


def collect(sock: socket.socket, until: str, timeout: float) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got += sock.recv(4096).decode().splitlines()
        except TimeoutError:
            continue
        if until in got:
            return got
    raise AssertionError(f"{until} not received; got {got}")


def test_ready_watchdog_and_stopping(
    start_daemon: object, notify_socket: socket.socket, tmp_path: Path
) -> None:
    daemon: Daemon = start_daemon(  # type: ignore[operator]
        {
            "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
            "WATCHDOG_USEC": "3000000",
            "PARIS_SOURCES__TRAFFIC__ENABLED": "false",
            "PARIS_SOURCES__PARKING__ENABLED": "false",
        }
    )
    got = collect(notify_socket, "READY=1", timeout=20)
    got += collect(notify_socket, "WATCHDOG=1", timeout=5)
    assert any(line.startswith("STATUS=") for line in got)
    daemon.proc.terminate()
    assert "STOPPING=1" in collect(notify_socket, "STOPPING=1", timeout=10)
    assert daemon.proc.wait(timeout=10) == 0
    notify_socket.close()
