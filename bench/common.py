"""What every benchmark shares: the replay upstream, the moto server, settings, timing, results.

Every figure is measured in the same process run as its baseline, and reported as the median
of ``runs`` repetitions: the machine is shared, so absolute numbers are noisy and ratios are
what a reader should trust.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from collector.logs import configure
from collector.settings import Settings

T = TypeVar("T")
START = datetime(2025, 11, 4, 22, 30, tzinfo=UTC)  # last published traffic hour: 22:00 UTC
LAST_HOUR = datetime(2025, 11, 4, 22, 0, tzinfo=UTC)
TOKEN = "bench-token"
REGION = "eu-west-3"
GARE_DE_LYON = "stop_area:SNCF:87686006"


@dataclass
class Check:
    """One target: what was measured against what, and whether it is met."""

    name: str
    measured: str
    target: str
    ratio: float | None
    met: bool | None  # None: not measured (skipped)


@dataclass
class Section:
    """One benchmark's results: rows for the table, targets, and notes on method."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def row(self, name: str, value: str) -> None:
        self.rows.append((name, value))

    def check(
        self, name: str, measured: str, target: str, ratio: float | None, met: bool | None
    ) -> None:
        self.checks.append(Check(name, measured, target, ratio, met))


@dataclass
class Env:
    """Shared across benchmarks in one ``python -m bench`` run."""

    tmp: Path
    quick: bool
    runs: int
    upstream_url: str = ""
    shared: dict[str, Any] = field(default_factory=dict)  # figures one benchmark hands another
    _moto: Any = None
    _upstream: Any = None
    _counter: int = 0

    def fresh_dir(self, name: str) -> Path:
        self._counter += 1
        path = self.tmp / f"{self._counter:03d}-{name}"
        path.mkdir(parents=True)
        return path

    # the replay upstream ------------------------------------------------------------------
    def start_upstream(self) -> None:
        from replay_upstream import start_in_thread

        # A frozen clock: the published traffic hours only move when a benchmark says so.
        self._upstream = start_in_thread(seed=0, start=START, accelerate=0.0)
        self.upstream_url = self._upstream.url

    @property
    def replay(self) -> Any:
        from replay_upstream import ReplayClient

        return ReplayClient(self.upstream_url)

    # the moto server ------------------------------------------------------------------------
    @property
    def moto_url(self) -> str:
        if self._moto is None:
            from moto.server import ThreadedMotoServer

            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            self._moto = server
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def reset_moto(self) -> None:
        request = urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass

    def close(self) -> None:
        if self._upstream is not None:
            self._upstream.stop()
        if self._moto is not None:
            self._moto.stop()

    # settings ---------------------------------------------------------------------------------
    def settings(self, storage: str, data_dir: Path, **sources: dict[str, Any]) -> Settings:
        """Settings pointing every upstream at the replay, on ``local`` or ``aws`` (moto)."""
        options: dict[str, Any] = {
            "storage": storage,
            "data_dir": data_dir,
            "opendata_url": self.upstream_url,
            "saemes_url": self.upstream_url,
            "sncf_url": self.upstream_url,
            "sncf_token": TOKEN,
            "health_port": 0,
            "http_retries": 0,
            "sources": {
                "velib": {"gbfs_url": f"{self.upstream_url}/opendata/Velib_Metropole/gbfs.json"},
                **sources,
            },
        }
        if storage == "aws":
            options |= {
                "aws_endpoint_url": self.moto_url,
                "s3_bucket": "paris-bench",
                "table_prefix": f"bench{self._counter}_",
                "aws_region": REGION,
            }
        return Settings(_env_file=None, **options)


def fake_aws_credentials() -> None:
    """Never a real account: the AWS backend only ever talks to the local moto server."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        }
    )
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)


def quiet_logs() -> None:
    configure("error", "console", [])


# timing --------------------------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def repeat(fn: Callable[[], Any], runs: int) -> float:
    """Median seconds of ``runs`` calls (one warm-up call first, not counted)."""
    fn()
    return median([timed(fn) for _ in range(runs)])


async def atimed(fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


def run_async(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


# formatting ----------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:,.2f} s"


def num(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {unit}".rstrip()


def kib(size: float) -> str:
    return f"{size / 1024:,.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.2f} MiB"


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def hours_before(hour: datetime, count: int) -> list[datetime]:
    """``count`` hours ending at ``hour``, oldest first."""
    return [hour - timedelta(hours=count - 1 - i) for i in range(count)]
