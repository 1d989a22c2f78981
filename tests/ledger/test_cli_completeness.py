"""``paris-collector completeness``: JSON as the read side gives it, a readable table, the
rebuild, and the exit codes of the other read commands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.cli import main
from collector.keys import ts
from collector.ledger.read import ledger
from tests.ledger.test_ledger_live import T0, TWO_MIN, _parking_with_a_gap

UNTIL = T0 + 8 * TWO_MIN
RANGE = ["--since", T0.isoformat(), "--until", UNTIL.isoformat()]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["completeness", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def _collect(make_collector: Callable[[str], Any]) -> list[dict[str, Any]]:
    async with make_collector("local") as c:
        await _parking_with_a_gap(c)
        parking, settings = c.source("parking"), c.settings("parking")
        return await ledger(
            c.store, parking, settings, since=T0, until=UNTIL, now=datetime.now(UTC)
        )


def test_json_and_table(
    make_collector: Callable[[str], Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The command runs its own event loop, as from a shell: the collecting is done before.
    expected = asyncio.run(_collect(make_collector))
    monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "data"))
    capsys.readouterr()

    code, out, _ = _cli(capsys, "parking", *RANGE, "--format", "json")
    assert code == 0
    entries = orjson.loads(out)
    assert entries == expected
    assert [e["slot_start"] for e in entries] == [ts(T0 + i * TWO_MIN) for i in range(8)]
    for entry in entries:
        assert {"source", "slot_start", "slot_end", "expected", "received", "state"} <= set(entry)

    code, out, _ = _cli(capsys, "parking", *RANGE)
    assert code == 0
    header, *rows, summary = out.strip().splitlines()
    assert header.split()[:3] == ["source", "slot", "(UTC)"]
    assert len(rows) == 8
    for row, entry in zip(rows, entries, strict=True):
        cells = row.split()
        assert cells[0] == "parking" and entry["state"] in cells
        assert str(entry["expected"]) in cells and str(entry["received"]) in cells
    assert summary == "parking: 8 slots, 5 ok, 0 partial, 0 late, 3 missing; 62% complete"

    code, out, err = _cli(capsys, "parking", *RANGE, "--format", "json", "--rebuild")
    assert code == 0 and orjson.loads(out) == expected
    assert "parking: 5 entries rebuilt from 5 payloads (0 unreadable)" in err

    # Every enabled source by default; traffic never ran here, so it has no ledger (no slot).
    code, out, _ = _cli(capsys, *RANGE, "--format", "json")
    assert code == 0 and {e["source"] for e in orjson.loads(out)} == {"parking"}


def test_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_PLUGIN_DIR", "PARIS_SNCF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "nothing-here"))
    code, _, err = _cli(capsys, "parking")
    assert code == 3 and "no store" in err
    later = (T0 + timedelta(hours=1)).isoformat()
    code, _, err = _cli(capsys, "parking", "--since", later, "--until", T0.isoformat())
    assert code == 2 and "--since" in err
    code, _, err = _cli(capsys, "no_such_source")
    assert code == 2 and "no_such_source" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["completeness", "--format", "yaml"])
    assert exit_info.value.code == 2
