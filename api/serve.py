"""Serve the API on this machine against the configured backend (``paris-collector api``).

Chalice's own local server (the one behind ``chalice local``), without its file watcher, on a
thread per connection. A request borrows a storage reader from the small pool of
``chalicelib.context`` and hands it back when answered, so open files and memory stay flat
however many connections come and go. Settings come from the usual ``PARIS_*`` environment,
``.env`` and ``--config`` file.

Two things it does as API Gateway does and Chalice's server does not: a greedy route
(``/{proxy+}``) matches a path of any depth, so an unknown path gets the API's own 404 rather
than Chalice's 403; and a HEAD answer is sent without its body.

    python -m api.serve [--host 127.0.0.1] [--port 8000] [--config FILE] [--log-level L]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from chalice.app import Chalice
    from chalice.config import Config
    from chalice.local import LocalDevServer, LocalGateway

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


def make_gateway(app: Chalice, config: Config) -> LocalGateway:
    """Chalice's local API Gateway, with greedy routes matched at any depth as API Gateway does
    (Chalice's matcher takes ``{proxy+}`` for one path segment only)."""
    from chalice.local import LambdaEventConverter, LocalGateway, MatchResult, RouteMatcher

    class GreedyRouteMatcher(RouteMatcher):
        def match_route(self, url: str) -> MatchResult:
            try:
                return super().match_route(url)
            except ValueError:
                parsed = urlsplit(url)
                path = parsed.path.rstrip("/") or "/"
                for route in self.route_urls:
                    prefix, _, last = route.rpartition("/")
                    if (
                        last.startswith("{")
                        and last.endswith("+}")
                        and (path.startswith(prefix + "/") and len(path) > len(prefix) + 1)
                    ):
                        rest = path[len(prefix) + 1 :]
                        query = parse_qs(parsed.query, keep_blank_values=True)
                        return MatchResult(route, {last[1:-1]: rest}, query)
                raise

    gateway = LocalGateway(app, config)
    gateway.event_converter = LambdaEventConverter(
        GreedyRouteMatcher(list(app.routes)), app.api.binary_types
    )
    return gateway


def make_server(host: str, port: int, settings: Settings | None = None) -> LocalDevServer:
    """A server bound to ``host:port`` (port 0: any free port, see ``server.server_address``)."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

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

        def __init__(
            self,
            request: Any,
            client_address: Any,
            server: HTTPServer,
            app_object: Chalice,
            config: Config,
        ) -> None:
            # What ChaliceRequestHandler.__init__ does, with the greedy-aware gateway (the
            # base class answers the request inside __init__, so it must be set first).
            self.local_gateway = make_gateway(app_object, config)
            BaseHTTPRequestHandler.__init__(self, request, client_address, server)

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            finally:
                context.release()

        def _send_http_response_with_body(
            self, code: int, headers: dict[str, Any], body: str | bytes
        ) -> None:
            if self.command != "HEAD":
                super()._send_http_response_with_body(code, headers, body)
                return
            # Chalice's server would write the (empty) body's length, then the body: a HEAD
            # answer keeps the GET's Content-Length, set by the app, and sends nothing.
            self.send_response(code)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            headers.setdefault("Content-Length", "0")
            self._send_headers(headers)

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
    from chalicelib import context

    try:
        make_gateway(app, config).handle_request(
            method="GET", path="/health", headers={}, body=None
        )
    except Exception:  # see above: each request reports it
        pass
    finally:
        context.release()


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM; returns the exit code."""
    import signal

    try:
        server = make_server(host, port, settings)
    except OSError as exc:  # the port was free when `paris-collector api` checked it
        print(f"paris-api: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bound_host, bound_port = server.server.server_address[:2]
    print(
        f"Paris API on http://{bound_host}:{bound_port}/ (documentation: /docs, /openapi.json)",
        flush=True,
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
