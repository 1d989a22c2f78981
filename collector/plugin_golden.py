"""Golden cases: ``testcases/<case>/payload.json`` in, ``expected.json`` out, no code per case.

``payload.json`` holds the bytes ``fetch`` would have archived; ``expected.json`` holds what
``parse`` must make of them, in parse order::

    {"records": [{"dataset": "...", "record": {...}}],
     "invalid": [{"entity_id": "..." | null, "reason": "..."}],
     "notices": [{"key": "...", "message": "..."}]}

``notices`` may be left out when parse tells the operator nothing. ``record`` is the record's
``model_dump(mode="json")``. ``PARIS_GOLDEN_UPDATE=1`` rewrites the expectations; an
expectation is only worth what its review was, so read the diff line by line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from collector.plugin import Invalid, Notice, Record, Source, dataset_name

UPDATE_VARIABLE = "PARIS_GOLDEN_UPDATE"
Parsed = dict[str, list[dict[str, Any]]]


def update_requested() -> bool:
    return os.environ.get(UPDATE_VARIABLE) == "1"


def cases(folder: Path) -> list[Path]:
    """The ``payload.json`` of every golden case of the plugin in ``folder``."""
    return sorted(folder.glob("testcases/*/payload.json"))


def run(source: Source, payload: bytes) -> Parsed:
    """What ``parse`` makes of ``payload``, in the ``expected.json`` format."""
    records: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    for item in source.parse(payload):
        if isinstance(item, Invalid):
            invalid.append({"entity_id": item.entity_id, "reason": item.reason})
        elif isinstance(item, Notice):
            notices.append({"key": item.key, "message": item.message})
        elif isinstance(item, Record) and type(item) in source.records:
            dataset = dataset_name(source.name, type(item))
            records.append({"dataset": dataset, "record": item.model_dump(mode="json")})
        else:
            raise TypeError(
                f"parse yielded a {type(item).__name__}, not a Record type the source declares,"
                " an Invalid or a Notice"
            )
    got: Parsed = {"records": records, "invalid": invalid}
    if notices:
        got["notices"] = notices
    return got


def load_expected(path: Path) -> Parsed:
    """``expected.json``, or a ValueError saying what is wrong with its shape."""
    if not path.is_file():
        raise ValueError("expected.json missing")
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"expected.json is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("expected.json must be an object with 'records' and 'invalid'")
    shapes = {"records": {"dataset", "record"}, "invalid": {"entity_id", "reason"}}
    shapes["notices"] = {"key", "message"}
    unknown = sorted(set(data) - set(shapes))
    if unknown:
        raise ValueError(f"expected.json: unknown keys {unknown} (records, invalid, notices)")
    for key, fields in shapes.items():
        if key == "notices" and key not in data:
            continue
        items = data.get(key)
        if not isinstance(items, list):
            raise ValueError(f"expected.json: {key!r} must be a list")
        for index, item in enumerate(items):
            if not isinstance(item, dict) or set(item) != fields:
                raise ValueError(f"expected.json: {key}[{index}] must have keys {sorted(fields)}")
    return data


def _differences(got: Parsed, expected: Parsed) -> Iterator[str]:
    for key in ("invalid", "notices"):
        if got.get(key, []) != expected.get(key, []):
            yield f"{key}: got {got.get(key, [])}, expected {expected.get(key, [])}"
    mine, theirs = got["records"], expected["records"]
    if len(mine) != len(theirs):
        yield f"{len(mine)} records, expected {len(theirs)}"
    for index, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        if a == b:
            continue
        if a["dataset"] != b["dataset"]:
            yield f"record {index}: dataset {a['dataset']!r}, expected {b['dataset']!r}"
            continue
        fields = sorted(set(a["record"]) | set(b["record"]))
        for field in (f for f in fields if a["record"].get(f) != b["record"].get(f)):
            yield (
                f"record {index} ({a['record'].get('entity_id')}): {field} is"
                f" {a['record'].get(field)!r}, expected {b['record'].get(field)!r}"
            )


def check_case(source: Source, payload_path: Path, *, update: bool = False) -> list[str]:
    """What differs between ``parse(payload.json)`` and ``expected.json`` (empty: it passes)."""
    case = f"testcases/{payload_path.parent.name}"
    try:
        got = run(source, payload_path.read_bytes())
    except Exception as exc:  # a plugin's bug is a failed check, never a crash of the checker
        return [f"{case}: parse raised {type(exc).__name__}: {exc}"]
    expected_path = payload_path.with_name("expected.json")
    if update:
        expected_path.write_bytes(orjson.dumps(got, option=orjson.OPT_INDENT_2) + b"\n")
    try:
        expected = load_expected(expected_path)
    except ValueError as exc:
        return [f"{case}: {exc}"]
    return [f"{case}: {problem}" for problem in _differences(got, expected)]


def sample_records(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Per dataset, the records of the golden case that has the most of them."""
    best: dict[str, list[dict[str, Any]]] = {}
    for payload_path in cases(folder):
        try:
            expected = load_expected(payload_path.with_name("expected.json"))
        except ValueError:
            continue  # the golden check reports it
        per_dataset: dict[str, list[dict[str, Any]]] = {}
        for item in expected["records"]:
            per_dataset.setdefault(item["dataset"], []).append(item["record"])
        for dataset, rows in per_dataset.items():
            if len(rows) > len(best.get(dataset, [])):
                best[dataset] = rows
    return best
