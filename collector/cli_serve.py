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
import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collector.cli import Context

ROOT = Path(__file__).resolve().parents[1]
DEMO_MODULE = "replay_upstream.demo"
EXTRAS = {"api": ("chalice",), "dashboard": ("streamlit", "plotly", "pandas")}
"""What each reader imports beyond the daemon: the packages of its extra (pyproject.toml)."""


def _usage_error(message: str) -> Exception:
    from collector.cli import CliError

    return CliError(message)


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0 to 65535): {port}")
    return port


def port_problem(host: str, port: int, option: str = "--port") -> str | None:
    """Why a server could not listen on ``host:port`` (None when it can), found by binding a
    socket there and closing it at once.

    There is a small race: something may take the port between this probe and the server's
    own bind. The server then fails as it always did; the probe is for the common case, a
    second copy or another program already listening, told in one line instead of a traceback.
    """
    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {host} ({exc.strerror}; --host)"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # As the servers do (socketserver, tornado): a port in TIME_WAIT is free to them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is in use ({reason}): stop what holds it, or"
                    f" choose another with {option}"
                )
            return f"cannot listen on port {port} on {host} ({reason}; {option})"
    return None


def require_port(host: str, port: int, option: str = "--port") -> None:
    problem = port_problem(host, port, option)
    if problem is not None:
        raise _usage_error(problem)


def require_extra(command: str) -> None:
    """Say what to install when a reader's packages are missing (after ``uv sync --no-dev``,
    or a plain ``pip install paris-collector``), instead of a ModuleNotFoundError."""
    missing = [name for name in EXTRAS[command] if not _installed(name)]
    if missing:
        raise _usage_error(
            f"`paris-collector {command}` needs {', '.join(missing)}, not installed: install the"
            f" '{command}' extra (`uv sync --extra {command}`, or"
            f" `pip install 'paris-collector[{command}]'`)"
        )


def _api_dir() -> Path:
    folder = ROOT / "api"
    if not (folder / "app.py").is_file():
        raise _usage_error(f"the API project is not in this installation ({folder})")
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
    require_extra("api")
    # api/ is a Chalice project, not an installed package: run its serve.py by path.
    serve = _api_dir() / "serve.py"
    require_port(args.host, args.port)
    logs = [f"--log-level={args.log_level}"] if args.log_level else []
    logs += [f"--log-format={args.log_format}"] if args.log_format else []
    _hand_over(
        [
            str(serve),
            *("--host", args.host, "--port", str(args.port)),
            *_config(args),
            *logs,
        ]
    )


def cmd_dashboard(ctx: Context, args: argparse.Namespace) -> int:
    require_extra("dashboard")
    require_port(args.host, args.port)
    _hand_over(
        ["-m", "dashboard.serve", "--host", args.host, "--port", str(args.port), *_config(args)]
    )


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    if not _installed(DEMO_MODULE.partition(".")[0]):
        raise _usage_error(
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
    host = "address to listen on"
    if name == "api":
        p.add_argument("--host", default="127.0.0.1", help=host)
        p.add_argument("--port", type=port_number, default=8000, help="port (0: any free one)")
    elif name == "dashboard":
        p.add_argument("--host", default="127.0.0.1", help=host)
        p.add_argument("--port", type=port_number, default=8501, help="port")
    elif name == "demo":
        p.add_argument("--host", default="127.0.0.1", help="address every server listens on")
        p.add_argument("--data-dir", default="./demo-data", help="local storage of the demo")
        p.add_argument(
            "--speed",
            type=speed,
            default=1.0,
            help="replay clock speed; above 1 the upstream's clock runs ahead of the wall clock"
            " the analytics use (60: a new traffic hour every minute)",
        )
        p.add_argument(
            "--upstream-port", type=port_number, default=8765, help="the replay upstream's port"
        )
        p.add_argument("--api-port", type=port_number, default=8000, help="the API's port")
        p.add_argument(
            "--dashboard-port", type=port_number, default=8501, help="the dashboard's port"
        )
        p.add_argument("--no-api", action="store_true", help="do not start the API")
        p.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")


def speed(text: str) -> float:
    """An argparse type: the replay clock's speed, 0 (frozen) or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a clock speed (0 or more): {text}")
    return value
