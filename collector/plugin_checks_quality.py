"""The plugin checker's look at a source's data-quality checks (see
:mod:`collector.plugin_checks`): well declared, and runnable on the source's own golden
records without raising (a record check that raises flags every record it meets)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from collector import plugin_golden
from collector.plugin import Check, Source

CHECK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
"""A check name is a key of ``_quality``, of ``excluded`` and of the ledger's ``checks``."""

SAMPLE_SLOTS = (
    {"expected": 100, "received": 90, "seen": 100, "payloads": 1, "records": 100},
    {"expected": 100, "received": 10, "seen": 100, "payloads": 1, "records": 100},
    {"expected": 0, "received": 0, "seen": 0, "payloads": 0, "records": 0},
)
"""Ledger entries a slot check is tried on (a full, a thin and an empty slot; see
docs/ledger or collector.ledger for the whole entry)."""


def check_quality(source: Source, folder: Path) -> list[str]:
    checks = source.checks
    if not isinstance(checks, tuple) or not all(isinstance(c, Check) for c in checks):
        return [f"checks must be a tuple of collector.plugin.Check, not {checks!r}"]
    problems: list[str] = []
    names = [check.name for check in checks]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append(f"check names used twice: {twice}")
    datasets = source.datasets()
    problems += _declarations(source, datasets)
    for check in checks:
        if not CHECK_NAME.match(check.name):
            problems.append(f"check {check.name!r}: name is not {CHECK_NAME.pattern}")
        if not check.description:
            problems.append(f"check {check.name!r}: description is empty")
        if check.dataset is not None and check.dataset not in datasets:
            problems.append(f"check {check.name!r}: dataset {check.dataset!r} not in {datasets}")
    samples = _golden_records(folder)
    first = datasets[0] if datasets else source.name
    for check in checks:
        if check.record is not None:
            for record in samples.get(check.dataset or first, []):
                try:
                    result = check.record(record)
                except Exception as exc:
                    problems.append(_raised(check, exc, f"record {record.get('entity_id')!r}"))
                    break
                if not isinstance(result, bool):
                    problems.append(f"check {check.name!r} returned {result!r}, not a bool")
                    break
        elif check.slot is not None:
            previous = None
            for entry in SAMPLE_SLOTS:
                try:
                    result = check.slot(entry, previous)
                except Exception as exc:
                    problems.append(_raised(check, exc, f"slot {entry}"))
                    break
                if not isinstance(result, bool):
                    problems.append(f"check {check.name!r} returned {result!r}, not a bool")
                    break
                previous = entry
    return problems


def _golden_records(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Per dataset, the records of every golden case (a case that does not load is the golden
    check's to report)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for payload_path in plugin_golden.cases(folder):
        try:
            expected = plugin_golden.load_expected(payload_path.with_name("expected.json"))
        except ValueError:
            continue
        for item in expected["records"]:
            out.setdefault(item["dataset"], []).append(item["record"])
    return out


def _raised(check: Check, exc: Exception, on: str) -> str:
    return f"check {check.name!r} raised {type(exc).__name__}: {exc} on {on}"


def _declarations(source: Source, datasets: tuple[str, ...]) -> list[str]:
    """What the ledger and the daemon read from the source: refused here rather than ignored
    at run time (a revisit without a way to fetch the past would silently never run)."""
    problems: list[str] = []
    coverage = source.coverage
    if coverage.dataset is not None and coverage.dataset not in datasets:
        problems.append(f"coverage: dataset {coverage.dataset!r} not in {datasets}")
    if not 0 < coverage.partial_below <= 1:
        problems.append(f"coverage: partial_below {coverage.partial_below!r} not in (0, 1]")
    if source.revisit is not None and source.backfill is None:
        problems.append("revisit declared but no backfill: the daemon has no way to fetch it")
    return problems
