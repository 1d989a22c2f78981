"""Commands that serve something: ``api``, ``dashboard``, and ``demo`` (the platform offline).

``demo`` starts the bundled replay upstream (``sources/_upstream``: the three Paris APIs in
their real formats, from generated data, on a clock that follows real time or runs faster),
points the daemon at it, serves the API and the dashboard beside it, and runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.cli import Context

ROOT = Path(__file__).resolve().parents[1]
DEMO_TOKEN = "demo-token"


def _api_dir() -> Path:
    folder = ROOT / "api"
    if not (folder / "app.py").is_file():
        from collector.cli import CliError

        raise CliError(f"the API project is not in this installation ({folder})")
    return folder


def cmd_api(ctx: Context, args: argparse.Namespace) -> int:
    import importlib.util

    # api/ is a Chalice project, not an installed package: load its serve.py by path.
    spec = importlib.util.spec_from_file_location("paris_api_serve", _api_dir() / "serve.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load api/serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code: int = module.serve(args.host, args.port, ctx.app)
    return code


def cmd_dashboard(ctx: Context, args: argparse.Namespace) -> int:
    from dashboard.serve import serve

    serve(args.host, args.port, config=args.config)  # replaces this process with Streamlit


@contextmanager
def _child(argv: list[str], env: dict[str, str], name: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(argv, env=env)
    print(f"demo: {name} started (pid {proc.pid})", file=sys.stderr)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def demo_environment(
    upstream: Mapping[str, str], data_dir: Path, aggregations: list[str]
) -> dict[str, str]:
    """Settings pointing every source at the replay upstream, with demo-short intervals.

    ``upstream`` is the replay's own account of how each source reaches it
    (``ReplayClient.env()``): a source the replay learns needs no change here.
    """
    env = {
        **upstream,
        "PARIS_SNCF_TOKEN": DEMO_TOKEN,
        "PARIS_STORAGE": "local",
        "PARIS_DATA_DIR": str(data_dir),
        "PARIS_HEALTH_PORT": "0",
        "PARIS_SOURCES__TRAFFIC__INTERVAL": "30",
        "PARIS_SOURCES__PARKING__INTERVAL": "20",
        "PARIS_SOURCES__DEPARTURES__INTERVAL": "120",
    }
    for name in aggregations:
        env[f"PARIS_AGGREGATIONS__{name.upper()}__INTERVAL"] = "60"
    return env


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from sources._upstream import start_in_thread
    from sources._upstream.client import ReplayClient

    data_dir = Path(args.data_dir).resolve()
    upstream = start_in_thread(args.host, args.upstream_port, accelerate=args.speed)
    print(f"demo: replay upstream on {upstream.url} (clock x{args.speed:g})", file=sys.stderr)
    demo_env = demo_environment(
        ReplayClient(upstream.url).env(), data_dir, sorted(ctx.registry.aggregations)
    )
    env = {**os.environ, **demo_env}
    cli = [sys.executable, "-m", "collector.cli"]
    try:
        with _child([*cli, "run"], env, "collector daemon") as daemon:
            children = []
            if not args.no_api:
                port = str(args.api_port)
                children.append(("API", [*cli, "api", "--host", args.host, "--port", port]))
            if not args.no_dashboard:
                port = str(args.dashboard_port)
                children.append(
                    ("dashboard", [*cli, "dashboard", "--host", args.host, "--port", port])
                )
            with _children(children, env):
                if not args.no_api:
                    print(f"demo: API on http://{args.host}:{args.api_port}/", file=sys.stderr)
                if not args.no_dashboard:
                    print(
                        f"demo: dashboard on http://{args.host}:{args.dashboard_port}/",
                        file=sys.stderr,
                    )
                print("demo: Ctrl-C stops everything", file=sys.stderr)
                return daemon.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        upstream.stop()


@contextmanager
def _children(specs: list[tuple[str, list[str]]], env: dict[str, str]) -> Iterator[None]:
    if not specs:
        yield
        return
    (name, argv), rest = specs[0], specs[1:]
    with _child(argv, env, name), _children(rest, env):
        yield


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
