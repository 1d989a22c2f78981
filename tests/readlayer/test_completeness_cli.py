"""The read layer answers what ``paris-collector completeness --format json`` answers, on a
ledger the daemon itself wrote: the real sources run against the replay upstream, with the
daemon down for a few slots (the ledger tests' fixtures)."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from collector.cli import main
from collector.keys import ts
from collector.settings import Settings
from collector.storage import make_reader
from readlayer import completeness as ledger
from readlayer.catalogue import discover_catalogue
from tests.ledger.conftest import make_collector
from tests.ledger.test_ledger_live import T0, TWO_MIN, _parking_with_a_gap

__all__ = ["make_collector"]
UNTIL = T0 + 8 * TWO_MIN
HOUR = timedelta(hours=1)


async def _collect(
    make: Callable[[str], Any], backend: str, sources: tuple[str, ...] = ("parking", "traffic")
) -> Settings:
    async with make(backend) as c:
        if "parking" in sources:
            await _parking_with_a_gap(c)
        if "traffic" in sources:
            for hours in (1, 2):  # the publisher's hours, by observation time
                await c.run("traffic", T0 + hours * HOUR)
        settings: Settings = c.services.app
        return settings


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("PARIS_STORAGE", settings.storage)
    monkeypatch.setenv("PARIS_DATA_DIR", str(settings.data_dir))
    if settings.storage == "aws":
        monkeypatch.setenv("PARIS_S3_BUCKET", str(settings.s3_bucket))
        monkeypatch.setenv("PARIS_TABLE_PREFIX", settings.table_prefix)
        monkeypatch.setenv("PARIS_AWS_ENDPOINT_URL", str(settings.aws_endpoint_url))
        monkeypatch.setenv("PARIS_AWS_REGION", settings.aws_region)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["completeness", *args, "--format", "json"]) == 0
    # In-process, the moto server's request log shares stdout: the array is the JSON part.
    lines = capsys.readouterr().out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("["))
    last = first if lines[first] == "[]" else lines.index("]", first)
    found: list[dict[str, Any]] = orjson.loads("\n".join(lines[first : last + 1]))
    return found


@pytest.mark.parametrize(
    # Traffic's thousands of arcs take minutes on the moto server: parking covers AWS.
    ("backend", "source"),
    [("local", "parking"), ("local", "traffic"), ("aws", "parking")],
)
def test_the_read_layer_answers_the_clis_entries(
    make_collector: Callable[[str], Any],
    backend: str,
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = asyncio.run(_collect(make_collector, backend, (source,)))
    _env(monkeypatch, settings)
    since, until = T0 - 4 * HOUR, T0 + 4 * HOUR
    now = datetime.now(UTC)
    cli = _cli(capsys, source, "--since", since.isoformat(), "--until", until.isoformat())
    _, catalogue = discover_catalogue(settings)
    reader = make_reader(settings)
    try:
        mine = ledger.completeness(
            reader, catalogue, source=source, since=since, until=until, now=now
        )
        rates = ledger.reporting_rates(reader, source)
        body = reader.get_object(ledger.entities_key(source))
    finally:
        reader.close()
    assert cli, "the daemon wrote no ledger"
    assert mine == cli
    stored = {e["slot_start"] for e in cli if e["state"] != "missing"}
    assert stored and all(e["payloads"] for e in cli if e["slot_start"] in stored)
    if source == "parking":
        # The daemon's gap (slots 3-5) is missing on both, the slots around it are not.
        states = {e["slot_start"]: e["state"] for e in mine}
        assert [states[ts(T0 + i * TWO_MIN)] for i in (2, 3, 4, 5, 6)] == [
            "ok", "missing", "missing", "missing", "ok",
        ]  # fmt: skip
    # The reporting rates are the daemon's object, entity by entity.
    assert body is not None
    written = orjson.loads(gzip.decompress(body))["entities"]
    assert {r["entity_id"]: r["rate"] for r in rates} == {
        name: value["rate"] for name, value in written.items()
    }
    assert all(r["slots"] >= 1 for r in rates)


def test_every_source_as_the_cli_lists_them(
    make_collector: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = asyncio.run(_collect(make_collector, "local"))
    _env(monkeypatch, settings)
    since, until = T0 - HOUR, UNTIL
    cli = _cli(capsys, "--since", since.isoformat(), "--until", until.isoformat())
    _, catalogue = discover_catalogue(settings)
    reader = make_reader(settings)
    try:
        mine = ledger.completeness(
            reader, catalogue, since=since, until=until, now=datetime.now(UTC)
        )
    finally:
        reader.close()

    # The CLI lists sources in the registry's order, the readers by name: the same entries.
    def order(entry: dict[str, Any]) -> tuple[str, str]:
        return entry["source"], entry["slot_start"]

    assert sorted(mine, key=order) == sorted(cli, key=order) != []
