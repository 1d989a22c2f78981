"""Golden tests: every ``sources/<name>/testcases/<case>/`` is one test, with no code per case.

``payload.json`` holds the bytes ``fetch`` would have archived; ``expected.json`` holds what
``parse`` must make of them: ``{"records": [{"dataset", "record"}], "invalid": [{"entity_id",
"reason"}]}`` in parse order, plus ``"notices": [{"key", "message"}]`` when parse tells the
operator something (e.g. new upstream fields); a case without the key expects none.
``PARIS_GOLDEN_UPDATE=1`` rewrites the expectations; read the diff line by line before
committing it: an expectation is only worth what its review was.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from collector.plugin import Invalid, Notice, Record, Source, dataset_name

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(ROOT.glob("sources/*/testcases/*/payload.json"))


def _source(name: str) -> Source:
    source: Source = importlib.import_module(f"sources.{name}").SOURCE
    assert source.name == name
    return source


def run(source: Source, payload: bytes) -> dict[str, list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    for item in source.parse(payload):
        if isinstance(item, Invalid):
            invalid.append({"entity_id": item.entity_id, "reason": item.reason})
        elif isinstance(item, Notice):
            notices.append({"key": item.key, "message": item.message})
        else:
            assert isinstance(item, Record)
            assert type(item) in source.records, f"{type(item).__name__} not declared"
            dataset = dataset_name(source.name, type(item))
            records.append({"dataset": dataset, "record": item.model_dump(mode="json")})
    got: dict[str, list[dict[str, Any]]] = {"records": records, "invalid": invalid}
    if notices:
        got["notices"] = notices
    return got


def test_cases_exist() -> None:
    names = {path.parent.parent.parent.name for path in CASES}
    assert {"traffic", "parking", "departures"} <= names


@pytest.mark.parametrize(
    "payload_path", CASES, ids=[f"{p.parents[2].name}/{p.parent.name}" for p in CASES]
)
def test_golden(payload_path: Path) -> None:
    source = _source(payload_path.parents[2].name)
    got = run(source, payload_path.read_bytes())
    expected_path = payload_path.with_name("expected.json")
    if os.environ.get("PARIS_GOLDEN_UPDATE") == "1":
        text = orjson.dumps(got, option=orjson.OPT_INDENT_2) + b"\n"
        expected_path.write_bytes(text)
    expected = orjson.loads(expected_path.read_bytes())
    assert got["invalid"] == expected["invalid"]
    assert got.get("notices", []) == expected.get("notices", [])
    assert len(got["records"]) == len(expected["records"])
    for index, (mine, theirs) in enumerate(zip(got["records"], expected["records"], strict=True)):
        assert mine == theirs, f"record {index} differs"
