"""Serve the API on this machine against the configured backend (``paris-collector api``).

Chalice's own local server (the one behind ``chalice local``), without its file watcher, on a
thread per connection. A request borrows a storage reader from the small pool of
``chalicelib.context`` and hands it back when answered, so open files and memory stay flat
however many connections come and go. Settings come from the usual ``PARIS_*`` environment,
``.env`` and ``--config`` file.

    python -m api.serve [--host 127.0.0.1] [--port 8000] [--config FILE] [--log-level L]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalice.app import Chalice
    from chalice.config import Config
    from chalice.local import LocalDevServer

    from collector.settings import Settings

API_DIR = Path(__file__).resolve().parent
_app: Chalice | None = None

LISTEN_BACKLOG = 128
"""Connections the kernel queues before they are accepted. Python's default, 5, drops the
SYNs of a burst and the client retries a second later (a p99 of 1.2 s at 20 clients)."""
KEEP_ALIVE_S = 30.0
"""An idle kept-alive connection is closed after this long, ending its thread."""


def load_app() -> Chalice:
    """The one Chalice app of this process (``api/app.py``), importable as Chalice does."""
    global _app
    if _app is None:
        if str(API_DIR) not in sys.path:
            sys.path.insert(0, str(API_DIR))
        module = sys.modules.get("app")
        if module is None or Path(getattr(module, "__file__", "")).resolve() != API_DIR / "app.py":
            spec = importlib.util.spec_from_file_location("app", API_DIR / "app.py")
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {API_DIR / 'app.py'}")
            module = importlib.util.module_from_spec(spec)
            sys.modules["app"] = module
            spec.loader.exec_module(module)
        _app = module.app
    return _app


def make_server(host: str, port: int, settings: Settings | None = None) -> LocalDevServer:
    """A server bound to ``host:port`` (port 0: any free port, see ``server.server_address``)."""
    from chalice.config import Config
    from chalice.local import (
        ChaliceRequestHandler,
        CustomLocalChalice,
        LocalChalice,
        LocalDevServer,
        ThreadedHTTPServer,
    )

    app = load_app()
    from chalicelib import context  # importable once load_app() put api/ on sys.path

    class Handler(ChaliceRequestHandler):
        timeout = KEEP_ALIVE_S

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            finally:
                context.release()

    class Server(ThreadedHTTPServer):
        request_queue_size = LISTEN_BACKLOG

    context.configure(settings)
    config = Config.create(chalice_stage="local", app_name=app.app_name, lambda_timeout=30)
    # What chalice.local.create_local_server does, once per process (a second time would make
    # the class its own base), and with the handler and server classes above.
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    server = LocalDevServer(app, config, host, port, handler_cls=Handler, server_cls=Server)
    warm_up(app, config)
    return server


def warm_up(app: Chalice, config: Config) -> None:
    """Answer one request in-process before any client's.

    The first request discovers the plugins and imports what answers need (~1.5 s): done while
    the first clients wait, it was the whole p99 of a burst. Whatever fails here fails again,
    answered and logged, on the request that meets it.
    """
    from chalice.local import LocalGateway
    from chalicelib import context

    try:
        LocalGateway(app, config).handle_request(
            method="GET", path="/health", headers={}, body=None
        )
    except Exception:  # see above: each request reports it
        pass
    finally:
        context.release()


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM; returns the exit code."""
    import signal

    server = make_server(host, port, settings)
    bound_host, bound_port = server.server.server_address[:2]
    print(
        f"Paris API on http://{bound_host}:{bound_port}/ (documentation: /openapi.json)", flush=True
    )

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any)")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file (or PARIS_CONFIG)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--log-format", choices=["auto", "json", "console"])
    args = parser.parse_args(argv)
    from collector.logs import configure
    from collector.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"paris-api: {exc}", file=sys.stderr)
        return 2
    # As the daemon does: a configured secret is masked in every log line of this process.
    secrets = [s.get_secret_value() for s in (settings.sncf_token, settings.opendata_apikey) if s]
    configure(args.log_level or settings.log_level, args.log_format or settings.log_format, secrets)
    return serve(args.host, args.port, settings)


if __name__ == "__main__":
    sys.exit(main())
