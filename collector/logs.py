"""Structured logging: JSON lines when stdout is not a terminal, readable lines when it is.

Every configured secret, and every value shaped like a credential, is masked before it is
written, whichever path the log line took (a processor, not a convention); the masking is
:mod:`collector.secrets`, shared with storage and the readers.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog
from structlog.typing import FilteringBoundLogger

from collector import secrets

MASK = secrets.MASK


def register_secret(value: str | None) -> None:
    """Never let ``value`` reach a log line (nor storage, nor an API answer)."""
    secrets.register(value)


def mask_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # Configured values and credential shapes (an upstream error quoting a header), the same
    # masking storage and the readers apply.
    return {k: secrets.mask_value(v) for k, v in event_dict.items()}


def configure(level: str = "info", fmt: str = "auto", secrets: Iterable[str | None] = ()) -> None:
    for secret in secrets:
        register_secret(secret)
    as_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    processors.append(structlog.processors.format_exc_info)
    # Masking runs last before rendering, after tracebacks became text.
    processors += [mask_secrets, renderer]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStdout()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    _route_stdlib(level, renderer)


class _CurrentStdout:
    """Writes to whatever ``sys.stdout`` is at each line, not to the one of ``configure``'s
    time: a redirection (a test's capture, a command run in-process) may have closed that."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


class _StdlibHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure` installs (a second call replaces it); writes to the
    current ``sys.stdout``, which tests and redirections may have swapped since."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def _route_stdlib(level: str, renderer: Any) -> None:
    """Libraries (APScheduler, aiohttp, botocore) log through the standard library: render
    their warnings and errors like ours, on stdout, so the output stays one format (JSON lines
    under systemd) instead of plain text on stderr."""
    handler = _StdlibHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_secrets,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StdlibHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # Their info lines (jobs added, scheduler started) are not the operator's business.
    root.setLevel(max(logging.WARNING, getattr(logging, level.upper(), logging.INFO)))


def get_logger(**bound: Any) -> FilteringBoundLogger:
    logger: FilteringBoundLogger = structlog.get_logger().bind(**bound)
    return logger
