"""Data-quality flags: a source's record checks applied to its rows, and flagged rows left out
of the analytics.

A record failing a record check (:class:`collector.plugin.Check`) is stored, never dropped,
with the names of the checks it failed in its JSON data under :data:`FLAG` (only when there
is one). The analytics' runner leaves flagged records out of every input and counts them by
check name in each gold point's ``excluded`` map; the completeness ledger counts them per slot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from collector.plugin import Check, Data, Source, dataset_name

FLAG = "_quality"
"""The key of a record's failed checks in its data (a pydantic field cannot start with ``_``)."""
EXCLUDED = "excluded"
"""The key, in every gold point's data, of the inputs left out, by check name."""

RecordTest = tuple[str, Callable[[Data], bool]]


def record_checks(source: Source) -> dict[str, tuple[RecordTest, ...]]:
    """The source's record checks by the dataset they read (absent: no check)."""
    first = dataset_name(source.name, source.records[0]) if source.records else source.name
    out: dict[str, list[RecordTest]] = {}
    for check in source.checks:
        if check.record is not None:
            out.setdefault(check.dataset or first, []).append((check.name, check.record))
    return {dataset: tuple(tests) for dataset, tests in out.items()}


def slot_checks(source: Source) -> tuple[Check, ...]:
    """The source's slot checks, run by the completeness ledger on each slot's entry."""
    return tuple(check for check in source.checks if check.slot is not None)


def failures(tests: Iterable[RecordTest], data: Data) -> list[str]:
    """The names of the checks ``data`` fails. A check that raises fails: a record it cannot
    judge is not vouched for (``paris-collector test-plugins`` catches such checks on the
    golden cases)."""
    failed = []
    for name, test in tests:
        try:
            passed = test(data)
        except Exception:
            passed = False
        if not passed:
            failed.append(name)
    return failed


def apply(
    tests: tuple[RecordTest, ...], data: dict[str, Any], text: str
) -> tuple[dict[str, Any], str]:
    """``data`` and its JSON ``text`` with the failed checks added; unchanged (the same
    objects, nothing re-serialised) when every check passes, which is almost every record."""
    for _, test in tests:  # the common path: every check passes, nothing is built
        try:
            if not test(data):
                break
        except Exception:
            break
    else:
        return data, text
    flagged = {**data, FLAG: failures(tests, data)}
    return flagged, orjson.dumps(flagged).decode()


def flags_of(data: Mapping[str, Any]) -> list[str]:
    """The checks a stored record failed (empty for a clean one, or one stored before)."""
    value = data.get(FLAG)
    if not isinstance(value, list):
        return []
    return [name for name in value if isinstance(name, str)]


def without_flagged(rows: Iterable[dict[str, Any]], excluded: Counter[str]) -> list[dict[str, Any]]:
    """The rows that failed no check; each failed check of the others counted in ``excluded``
    (a record failing two checks counts once under each)."""
    kept = []
    for row in rows:
        failed = flags_of(row) if FLAG in row else ()
        if failed:
            excluded.update(failed)
        else:
            kept.append(row)
    return kept
