"""Start the dashboard: ``serve(host, port)`` execs ``streamlit run dashboard/app.py`` headless.

Also runnable as ``python -m dashboard.serve [--host H] [--port P]``. The dashboard reads the
same settings as the daemon (``PARIS_*``, ``.env``, ``PARIS_CONFIG``); tiles are an option
(``PARIS_DASHBOARD_TILES=carto-positron``), the default map needs no network.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

APP = Path(__file__).with_name("app.py")
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8501


def command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The ``streamlit run`` command line: headless, no file watcher, no usage statistics."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--theme.base", "light",
    ]  # fmt: skip


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, config: str | None = None
) -> NoReturn:
    """Replace this process with the Streamlit server (signals reach it directly).

    ``config`` is a settings file for the dashboard to read (``PARIS_CONFIG``).
    """
    if config is not None:
        os.environ["PARIS_CONFIG"] = str(config)
    argv = command(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def main(args: Sequence[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file (or PARIS_CONFIG)")
    ns = parser.parse_args(args)
    serve(ns.host, ns.port, ns.config)


if __name__ == "__main__":
    main()
