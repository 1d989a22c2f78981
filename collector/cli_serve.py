"""Commands that serve something: ``api``, ``dashboard``, and ``demo`` (the platform offline).

The core imports no reader and not the replay upstream (``.importlinter``): each command
checks what it can without importing it, then replaces this process with the reader's own
(``api/serve.py``, ``python -m dashboard.serve``, ``python -m replay_upstream.demo``). The
child gets the settings as any child process does: the same environment, the same working
directory (so the same ``.env``) and the ``--config`` file. Signals reach it directly, and its
exit code is the command's.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collector.cli import Context

ROOT = Path(__file__).resolve().parents[1]
DEMO_MODULE = "replay_upstream.demo"


def _api_dir() -> Path:
    folder = ROOT / "api"
    if not (folder / "app.py").is_file():
        from collector.cli import CliError

        raise CliError(f"the API project is not in this installation ({folder})")
    return folder


def _installed(package: str) -> bool:
    """Whether a top-level package can be imported, without importing it."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _hand_over(argv: list[str]) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *argv])


def _config(args: argparse.Namespace) -> list[str]:
    return ["--config", str(args.config)] if args.config else []


def cmd_api(ctx: Context, args: argparse.Namespace) -> int:
    # api/ is a Chalice project, not an installed package: run its serve.py by path.
    logs = [f"--log-level={args.log_level}"] if args.log_level else []
    logs += [f"--log-format={args.log_format}"] if args.log_format else []
    _hand_over(
        [
            str(_api_dir() / "serve.py"),
            *("--host", args.host, "--port", str(args.port)),
            *_config(args),
            *logs,
        ]
    )


def cmd_dashboard(ctx: Context, args: argparse.Namespace) -> int:
    _hand_over(
        ["-m", "dashboard.serve", "--host", args.host, "--port", str(args.port), *_config(args)]
    )


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    if not _installed(DEMO_MODULE.partition(".")[0]):
        from collector.cli import CliError

        raise CliError(
            "the demo needs the replay upstream (package replay_upstream), a test double that "
            "the paris-collector wheel does not ship: run it from a source checkout "
            "('uv run paris-collector demo', dependency group 'replay')"
        )
    options = [
        *("--host", args.host, "--data-dir", str(args.data_dir), "--speed", repr(args.speed)),
        *("--upstream-port", str(args.upstream_port), "--api-port", str(args.api_port)),
        *("--dashboard-port", str(args.dashboard_port)),
        *(["--no-api"] if args.no_api else []),
        *(["--no-dashboard"] if args.no_dashboard else []),
    ]
    _hand_over(["-m", DEMO_MODULE, *options, *_config(args)])


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    if name == "api":
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
    elif name == "dashboard":
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8501)
    elif name == "demo":
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--data-dir", default="./demo-data", help="local storage of the demo")
        p.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="replay clock speed; above 1 the upstream's clock runs ahead of the wall clock"
            " the analytics use (60: a new traffic hour every minute)",
        )
        p.add_argument("--upstream-port", type=int, default=8765)
        p.add_argument("--api-port", type=int, default=8000)
        p.add_argument("--dashboard-port", type=int, default=8501)
        p.add_argument("--no-api", action="store_true")
        p.add_argument("--no-dashboard", action="store_true")
