"""Start the dashboard: ``serve(host, port)`` execs ``streamlit run dashboard/app.py`` headless.

Also runnable as ``python -m dashboard.serve [--host H] [--port P] [--config FILE]``. The
dashboard reads the same settings as the daemon (``PARIS_*``, ``.env``, ``PARIS_CONFIG``);
tiles are an option (``PARIS_DASHBOARD_TILES=carto-positron``), the default map needs no
network.

The server process imports pandas, plotly and the plugins before Streamlit starts serving,
so the first visitor does not wait for them (they take seconds to import on a small host).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

APP = Path(__file__).with_name("app.py")
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8501
PRELOAD = ("pandas", "pyarrow", "plotly.graph_objects", "plotly.io", "sqlite3")
STREAMLIT = "--streamlit"


def streamlit_args(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """``streamlit run`` arguments: headless, no file watcher, no usage statistics."""
    return [
        "run", str(APP),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--theme.base", "light",
    ]  # fmt: skip


def command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The server's command line: ``streamlit run ...`` in a process that preloaded the app."""
    return [sys.executable, "-m", "dashboard.serve", STREAMLIT, *streamlit_args(host, port)]


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, config: str | None = None
) -> NoReturn:
    """Replace this process with the dashboard server (signals reach Streamlit directly).

    ``config`` is a settings file for the dashboard to read (``PARIS_CONFIG``).
    """
    if config is not None:
        os.environ["PARIS_CONFIG"] = str(config)
    argv = command(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def _run_streamlit(args: Sequence[str]) -> NoReturn:
    for name in PRELOAD:
        importlib.import_module(name)
    try:
        from collector.registry import discover
        from collector.settings import load_settings

        discover(load_settings().plugin_dir)  # imports every plugin
    except Exception as exc:  # the pages report bad settings or plugins themselves
        logging.getLogger("dashboard").warning("plugins not preloaded: %s", exc)
    from streamlit.web import cli

    cli.main(args=list(args), prog_name="streamlit")
    sys.exit(0)


def main(args: Sequence[str] | None = None) -> NoReturn:
    argv = list(sys.argv[1:] if args is None else args)
    if argv[:1] == [STREAMLIT]:
        _run_streamlit(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file (or PARIS_CONFIG)")
    ns = parser.parse_args(argv)
    serve(ns.host, ns.port, ns.config)


if __name__ == "__main__":
    main()
