"""The whole platform offline (``paris-collector demo``, or ``python -m replay_upstream.demo``).

Starts the replay upstream (the Paris APIs in their real formats, from generated data, on a
clock that follows real time or runs faster), points the daemon at it, serves the API and the
dashboard beside it, each a child process of the core's own commands, and runs until Ctrl-C.
It lives here, not in the core, because the core never imports the replay upstream.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from replay_upstream.client import ReplayClient
from replay_upstream.thread import start_in_thread

DEMO_TOKEN = "demo-token"
EXIT_USAGE = 2


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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m replay_upstream.demo", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data-dir", default="./demo-data", help="local storage of the demo")
    p.add_argument("--speed", type=float, default=1.0, help="replay clock speed")
    p.add_argument("--upstream-port", type=int, default=8765)
    p.add_argument("--api-port", type=int, default=8000)
    p.add_argument("--dashboard-port", type=int, default=8501)
    p.add_argument("--no-api", action="store_true")
    p.add_argument("--no-dashboard", action="store_true")
    p.add_argument("--config", metavar="FILE", help="TOML settings file (or PARIS_CONFIG)")
    return p.parse_args(argv)


def aggregation_names(config: str | None) -> list[str]:
    """Every discovered analytic (built-in, installed, drop-in), to give each a demo interval."""
    from collector.registry import discover
    from collector.settings import load_settings

    return sorted(discover(load_settings(config).plugin_dir).aggregations)


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


@contextmanager
def _children(specs: list[tuple[str, list[str]]], env: dict[str, str]) -> Iterator[None]:
    if not specs:
        yield
        return
    (name, argv), rest = specs[0], specs[1:]
    with _child(argv, env, name), _children(rest, env):
        yield


def run(args: argparse.Namespace) -> int:
    from collector.registry import PluginError
    from collector.settings import SettingsError

    try:
        aggregations = aggregation_names(args.config)
    except (PluginError, SettingsError) as exc:
        print(f"paris-collector: {exc}", file=sys.stderr)
        return EXIT_USAGE
    data_dir = Path(args.data_dir).resolve()
    upstream = start_in_thread(args.host, args.upstream_port, accelerate=args.speed)
    print(f"demo: replay upstream on {upstream.url} (clock x{args.speed:g})", file=sys.stderr)
    demo_env = demo_environment(ReplayClient(upstream.url).env(), data_dir, aggregations)
    env = {**os.environ, **demo_env}
    if args.config:
        # The daemon and the readers read the same file; the demo's settings above win.
        env["PARIS_CONFIG"] = str(Path(args.config).resolve())
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


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
