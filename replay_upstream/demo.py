"""The whole platform offline (``paris-collector demo``, or ``python -m replay_upstream.demo``).

Starts the replay upstream (the Paris APIs in their real formats, from generated data, on a
clock that follows real time or runs faster), points the daemon at it, serves the API and the
dashboard beside it, each a child process of the core's own commands, and runs until Ctrl-C.
It lives here, not in the core, because the core never imports the replay upstream.

The console shows one shape of line, ``HH:MM:SS <process>: <event> key=value ...``: the
children log JSON to the demo, which prints each event in that shape (plain lines, such as
the API's access log, keep their text). When a child stops or cannot start, the demo says
which and why, stops the others and exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

import orjson

from replay_upstream.client import ReplayClient
from replay_upstream.thread import start_in_thread

DEMO_TOKEN = "demo-token"
EXIT_USAGE = 2
EXIT_CHILD_FAILED = 1
STOP_TIMEOUT_S = 10.0
POLL_S = 0.2
HIDDEN_KEYS = frozenset({"event", "level", "timestamp", "logger"})
"""Keys of a child's JSON line shown in the line's shape itself, not as ``key=value``."""


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
        # The default: the quota check (base schedule included) refuses 2-minute boards.
        "PARIS_SOURCES__DEPARTURES__INTERVAL": "180",
        # The children log JSON lines to the demo, which prints them in its one shape.
        "PARIS_LOG_FORMAT": "json",
        # Streamlit's own info lines (its banner is printed, not logged) are not the demo's.
        "STREAMLIT_LOGGER_LEVEL": "warning",
    }
    for name in aggregations:
        env[f"PARIS_AGGREGATIONS__{name.upper()}__INTERVAL"] = "60"
    return env


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from collector.cli_serve import port_number, speed

    p = argparse.ArgumentParser(prog="python -m replay_upstream.demo", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data-dir", default="./demo-data", help="local storage of the demo")
    p.add_argument("--speed", type=speed, default=1.0, help="replay clock speed")
    p.add_argument("--upstream-port", type=port_number, default=8765)
    p.add_argument("--api-port", type=port_number, default=8000)
    p.add_argument("--dashboard-port", type=port_number, default=8501)
    p.add_argument("--no-api", action="store_true")
    p.add_argument("--no-dashboard", action="store_true")
    p.add_argument("--config", metavar="FILE", help="TOML settings file (or PARIS_CONFIG)")
    return p.parse_args(argv)


def aggregation_names(config: str | None) -> list[str]:
    """Every discovered analytic (built-in, installed, drop-in), to give each a demo interval."""
    from collector.registry import discover
    from collector.settings import load_settings

    return sorted(discover(load_settings(config).plugin_dir).aggregations)


class Console:
    """The demo's one output: every line ``HH:MM:SS <process>: <text>``, whole lines only."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self._lock = threading.Lock()

    def say(self, process: str, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        with self._lock:
            print(f"{stamp} {process}: {text}", file=self.out, flush=True)


def render(line: str) -> str:
    """A child's output line as the demo prints it: a JSON log event as ``[level] event
    key=value ...`` (no level shown for info), any other line as it is."""
    try:
        event: Any = orjson.loads(line) if line.startswith("{") else None
    except orjson.JSONDecodeError:
        event = None
    if not isinstance(event, dict) or "event" not in event:
        return line
    level = str(event.get("level", "info"))
    fields = " ".join(
        f"{key}={_value(value)}" for key, value in event.items() if key not in HIDDEN_KEYS
    )
    text = str(event["event"]) + (f" {fields}" if fields else "")
    return text if level == "info" else f"[{level}] {text}"


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if text and " " not in text and "=" not in text else repr(text)


class Child:
    """One child process, its output relayed to the console and its last lines kept (they say
    why it stopped)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], console: Console):
        self.name = name
        self.console = console
        self.last: deque[str] = deque(maxlen=5)
        self.proc = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.proc.stdout is not None
        self._relay = threading.Thread(
            target=self._read, args=(self.proc.stdout,), name=f"demo-{name}", daemon=True
        )
        self._relay.start()
        console.say("demo", f"{name} started (pid {self.proc.pid})")

    def _read(self, stream: IO[str]) -> None:
        for raw in stream:
            line = raw.rstrip()
            if line.strip():
                text = render(line)
                self.last.append(text)
                self.console.say(self.name, text)

    def why(self) -> str:
        """The child's last line of output, where a failing command says what went wrong."""
        self._relay.join(timeout=2)  # the rest of its output, once it has exited
        return self.last[-1] if self.last else "no output"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._relay.join(timeout=2)


def port_problems(args: argparse.Namespace) -> list[str]:
    """Why the demo's servers could not listen, checked before any of them starts."""
    from collector.cli_serve import port_problem

    wanted = [("the replay upstream", args.upstream_port, "--upstream-port")]
    if not args.no_api:
        wanted.append(("the API", args.api_port, "--api-port"))
    if not args.no_dashboard:
        wanted.append(("the dashboard", args.dashboard_port, "--dashboard-port"))
    problems: list[str] = []
    seen: dict[int, str] = {}
    for what, port, option in wanted:
        if port and port in seen:
            problems.append(f"{what} and {seen[port]} cannot both listen on port {port}")
            continue
        seen[port] = what
        problem = port_problem(args.host, port, option)
        if problem is not None:
            problems.append(f"{what} cannot start: {problem}")
    return problems


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a supervisor's stop ends the demo like Ctrl-C, children included


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    from collector.registry import PluginError
    from collector.settings import SettingsError

    console = console or Console(sys.stdout)
    try:
        aggregations = aggregation_names(args.config)
    except (PluginError, SettingsError) as exc:
        print(f"paris-collector: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problems = port_problems(args)
    if problems:
        for problem in problems:
            print(f"paris-collector: demo: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    data_dir = Path(args.data_dir).resolve()
    upstream = start_in_thread(args.host, args.upstream_port, accelerate=args.speed)
    console.say("demo", f"replay upstream on {upstream.url} (clock x{args.speed:g})")
    demo_env = demo_environment(ReplayClient(upstream.url).env(), data_dir, aggregations)
    env = {**os.environ, **demo_env}
    if args.config:
        # The daemon and the readers read the same file; the demo's settings above win.
        env["PARIS_CONFIG"] = str(Path(args.config).resolve())
    cli = [sys.executable, "-m", "collector.cli"]
    specs = [("collector daemon", [*cli, "run"])]
    if not args.no_api:
        port = str(args.api_port)
        specs.append(("API", [*cli, "api", "--host", args.host, "--port", port]))
    if not args.no_dashboard:
        port = str(args.dashboard_port)
        specs.append(("dashboard", [*cli, "dashboard", "--host", args.host, "--port", port]))
    try:
        with ExitStack() as stack:
            stack.callback(upstream.stop)  # last: the daemon may be mid-fetch until it stops
            children = []
            for name, argv in specs:
                children.append(Child(name, argv, env, console))
                stack.callback(children[-1].stop)  # readers stop first, the daemon last
            if not args.no_api:
                console.say("demo", f"API on http://{args.host}:{args.api_port}/")
            if not args.no_dashboard:
                console.say("demo", f"dashboard on http://{args.host}:{args.dashboard_port}/")
            console.say("demo", "Ctrl-C stops everything")
            return _watch(children, console)
    except KeyboardInterrupt:
        console.say("demo", "stopped")
        return 0


def _watch(children: list[Child], console: Console) -> int:
    """Wait until a child ends: the demo is the set of them, so it ends with any one."""
    while True:
        for child in children:
            code = child.proc.poll()
            if code is not None:
                console.say(
                    "demo",
                    f"[error] {child.name} exited with code {code}: {child.why()};"
                    " stopping the others",
                )
                return code or EXIT_CHILD_FAILED
        time.sleep(POLL_S)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
