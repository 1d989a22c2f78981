"""Helpers of the fault suite: collector daemons as real processes, the command line, and
what storage holds, read back through the store API.

A daemon logs JSON lines to a file (never a pipe: a pipe nobody reads would block it). Its
settings are the environment for the application and a TOML file for the sources.
"""

from __future__ import annotations

import asyncio
import gzip
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from collector.plugin import Record, Source
from collector.settings import Settings
from collector.storage import make_store
from collector.storage.base import Reject
from replay_upstream.pytest_plugin import TEST_START, TEST_TOKEN, Replay

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = Path(__file__).resolve().parent / "plugins"
AGGREGATIONS = sorted(
    p.name for p in (ROOT / "aggregations").iterdir() if (p / "__init__.py").is_file()
)
TRAFFIC = "/api/explore/v2.1/catalog/datasets/comptages-routiers-permanents"
SAEMES_LIVE = "/api/explore/v2.1/catalog/datasets/places-disponibles-parkings-saemes"
GARE_DE_LYON = "stop_area:SNCF:87686006"
GARE_DU_NORD = "stop_area:SNCF:87271007"

Line = dict[str, Any]


class Daemon:
    """``paris-collector run`` in its own process; its JSON log lines as they come."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log
        self.lines: list[Line] = []
        self._offset = 0
        self._partial = b""

    def poll(self) -> list[Line]:
        with open(self.log, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        self._offset += len(data)
        *complete, self._partial = (self._partial + data).split(b"\n")
        for raw in complete:
            if raw.strip():
                try:
                    self.lines.append(orjson.loads(raw))
                except orjson.JSONDecodeError:
                    self.lines.append({"event": "<not json>", "text": raw.decode(errors="replace")})
        return self.lines

    def events(self, event: str, source: str | None = None) -> list[Line]:
        self.poll()
        return [
            line
            for line in self.lines
            if line.get("event") == event and (source is None or line.get("source") == source)
        ]

    def wait(self, done: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
        """Poll the log until ``done()`` is truthy; fail with the last lines otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            result = done()
            if result:
                return result
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(orjson.dumps(x).decode()[:300] for x in self.lines[-12:])
                state = "exited" if self.proc.poll() is not None else "still running"
                raise AssertionError(f"{what}: not seen ({state}); last lines:\n{tail}")
            time.sleep(0.05)

    def wait_event(
        self,
        event: str,
        source: str | None = None,
        *,
        after: int = 0,
        where: Callable[[Line], bool] = lambda _line: True,
        timeout: float = 30.0,
    ) -> Line:
        """The first ``event`` line logged after line index ``after`` matching ``where``."""

        def found() -> Line | None:
            for line in self.lines[after:]:
                if (
                    line.get("event") == event
                    and (source is None or line.get("source") == source)
                    and where(line)
                ):
                    return line
            return None

        line: Line = self.wait(found, f"{event!r} ({source or 'any source'})", timeout)
        return line

    def mark(self) -> int:
        """The current end of the log, for ``wait_event(after=...)``."""
        return len(self.poll())

    def terminate(self, timeout: float = 15.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self.poll()
        return code

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no cleanup of any kind
        self.proc.wait(timeout=10)
        self.poll()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


@dataclass
class Collector:
    """One deployment of the collector: a data directory, settings, daemons, CLI runs."""

    root: Path
    env: dict[str, str]
    sources: dict[str, dict[str, Any]]
    daemons: list[Daemon] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def db(self) -> Path:
        return self.data_dir / "paris.sqlite3"

    def _environ(self, overrides: dict[str, str]) -> dict[str, str]:
        config = self.root / "sources.toml"
        text = "".join(
            f"[sources.{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())
            for name, values in self.sources.items()
        )
        config.write_text(text, encoding="utf-8")
        return {**self.env, "PARIS_CONFIG": str(config), **overrides}

    def start(self, **overrides: str) -> Daemon:
        log = self.root / f"daemon-{len(self.daemons)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "collector.cli", "run"],
                cwd=self.root,
                env=self._environ(overrides),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        daemon = Daemon(proc, log)
        self.daemons.append(daemon)
        return daemon

    def cli(self, *args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "collector.cli", *args],
            cwd=self.root,
            env=self._environ(overrides),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def settings(self) -> Settings:
        env = self.env
        return Settings(
            _env_file=None,
            storage=env.get("PARIS_STORAGE", "local"),
            data_dir=self.data_dir,
            s3_bucket=env.get("PARIS_S3_BUCKET"),
            table_prefix=env.get("PARIS_TABLE_PREFIX", "paris_"),
            aws_endpoint_url=env.get("PARIS_AWS_ENDPOINT_URL"),
        )

    def read(self, fn: Callable[[Any], Any]) -> Any:
        """``await fn(store)`` on a store of this deployment, from the test's process."""

        async def main() -> Any:
            async with make_store(self.settings()) as store:
                return await fn(store)

        return asyncio.run(main())

    def silver(self, dataset: str) -> list[dict[str, Any]]:
        """Every silver row of ``dataset`` observed around the replay clock's start or now
        (the two times records can carry; DynamoDB is read one day per query)."""
        now = datetime.now(UTC)
        windows = [
            (TEST_START - timedelta(days=3), TEST_START + timedelta(days=1)),
            (now - timedelta(days=1), now + timedelta(days=1)),
        ]

        async def read(store: Any) -> list[dict[str, Any]]:
            return [row for a, b in windows for row in await store.read_window(dataset, a, b)]

        rows: list[dict[str, Any]] = self.read(read)
        return rows

    def state(self, source: str) -> dict[str, Any]:
        state: dict[str, Any] = self.read(lambda s: s.get_state(source))
        return state

    def rejects(self, source: str) -> list[Reject]:
        rejects: list[Reject] = self.read(lambda s: s.list_rejects(source))
        return rejects

    def bronze(self, source: str) -> list[str]:
        found: list[str] = self.read(lambda s: s.list_raw(f"raw/{source}/"))
        return sorted(found)


def aws_env(endpoint: str, bucket: str, prefix: str) -> dict[str, str]:
    """The settings of a deployment on the moto server: its own bucket and table prefix, and
    test credentials that no file of this machine's AWS set-up can override."""
    return {
        "PARIS_STORAGE": "aws",
        "PARIS_S3_BUCKET": bucket,
        "PARIS_TABLE_PREFIX": prefix,
        "PARIS_AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def payloads(collector: Collector, raw_keys: list[str]) -> list[bytes]:
    """The raw payloads bronze holds under ``raw_keys`` (one store session for all)."""

    async def read(store: Any) -> list[bytes]:
        return [gzip.decompress((await store.get_raw(key)).body) for key in raw_keys]

    found: list[bytes] = collector.read(read)
    return found


def payload_keys(collector: Collector, source: Source, raw_keys: list[str]) -> set[tuple[str, str]]:
    """(entity_id, observed_at) of every valid record the payloads hold, parsed here."""
    return {
        (r.entity_id, r.observed_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for body in payloads(collector, raw_keys)
        for r in source.parse(body)
        if isinstance(r, Record)
    }


PAYLOAD_STATUSES = ("ok", "spooled")


def payload_runs(daemon: Daemon, source: str) -> list[Line]:
    """The run lines of ``source`` that fetched a payload (stored or spooled)."""
    return [
        x
        for x in daemon.lines
        if x.get("source") == source
        and x.get("status") in PAYLOAD_STATUSES
        and x.get("raw_key")
        and x.get("event") in ("run", "source failing", "source still failing", "source recovered")
    ]


def wait_spooled(daemon: Daemon, source: str, after: int) -> Line:
    return daemon.wait_event(
        "source still failing",
        source,
        after=after,
        where=lambda x: x["status"] == "spooled",
    )


def wait_in_flight(replay: Replay, fault: int, timeout: float = 30.0) -> None:
    """Until a request the fault holds back has arrived at the upstream."""
    deadline = time.monotonic() + timeout
    while not any(f["id"] == fault and f["hits"] for f in replay.faults()):
        assert time.monotonic() < deadline, "the slowed request never arrived"
        time.sleep(0.02)


def traffic_keys(replay: Replay, first: datetime, last: datetime) -> set[tuple[str, str]]:
    """Every (arc, hour) key the replay upstream publishes in ``[first, last]`` (hours, UTC)."""
    traffic = replay.world.traffic
    out: set[tuple[str, str]] = set()
    hour = first
    while hour <= last:
        stamp = hour.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.update((row["iu_ac"], stamp) for row in traffic.rows(hour))
        hour += timedelta(hours=1)
    return out


def silver_keys(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(entity_id, observed_at) of each silver row, duplicates kept (a list, not a set)."""
    return [(str(r["entity_id"]), str(r["observed_at"])) for r in rows]


def published_hour(replay: Replay) -> datetime:
    """The newest traffic hour the replay upstream publishes now."""
    return replay.world.traffic.published_until()


__all__ = [
    "AGGREGATIONS",
    "GARE_DE_LYON",
    "GARE_DU_NORD",
    "PLUGINS",
    "ROOT",
    "SAEMES_LIVE",
    "TEST_START",
    "TEST_TOKEN",
    "TRAFFIC",
    "Collector",
    "Daemon",
    "Line",
    "Replay",
    "aws_env",
    "free_port",
    "payload_keys",
    "payload_runs",
    "payloads",
    "published_hour",
    "silver_keys",
    "traffic_keys",
    "wait_in_flight",
    "wait_spooled",
]
