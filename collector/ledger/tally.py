"""What one payload holds for the ledger, per slot (pure): entities seen and reporting, records,
flags. Shared by the live path (:mod:`collector.ledger.record`) and the rebuild from bronze."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from collector.keys import parse_ts, ts
from collector.ledger.slots import slot_start
from collector.logs import get_logger
from collector.plugin import Data, Source
from collector.quality import FLAG
from collector.storage.base import Row

log = get_logger(component="ledger")


@dataclass
class SlotTally:
    start: datetime
    seen: set[str] = field(default_factory=set)
    received: set[str] = field(default_factory=set)
    records: int = 0
    flagged: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    rows: list[Row] = field(default_factory=list)


def counted_dataset(source: Source) -> str:
    """The dataset the ledger counts: the coverage's, else the source's first."""
    if source.coverage.dataset:
        return source.coverage.dataset
    datasets = source.datasets()
    return datasets[0] if datasets else source.name


def tally(
    source: Source,
    slot: timedelta,
    rows: Sequence[Row],
    fetched_at: datetime,
    answered: frozenset[str] = frozenset(),
) -> dict[str, SlotTally]:
    """The payload's rows of the counted dataset, by slot start (key timestamp).

    A fetched slot is the fetch's, and exists even with no row (the run answered, empty); an
    observed slot is each record's own ``observed_at``. ``answered``: the entities the payload
    answered for (``Coverage.answered``), counted in a fetched slot.
    """
    coverage = source.coverage
    out: dict[str, SlotTally] = {}
    if coverage.by == "fetched":
        start = slot_start(fetched_at, slot)
        # What answered without a record (an empty board) is seen and reporting all the same.
        out[ts(start)] = SlotTally(start, seen=set(answered), received=set(answered))
    starts: dict[str, datetime] = {}  # one slot per distinct observation time
    reporting = _safe(source.name, coverage.reporting)
    for row in rows:
        if coverage.by == "fetched":
            entry = next(iter(out.values()))
        else:
            found = starts.get(row.observed_at)
            if found is None:
                found = starts[row.observed_at] = slot_start(parse_ts(row.observed_at), slot)
            name = ts(found)
            entry = out.get(name) or out.setdefault(name, SlotTally(found))
        entry.records += 1
        entry.rows.append(row)
        flags = row.data.get(FLAG)
        if isinstance(flags, list) and flags:
            entry.flagged += 1
            entry.checks.update(str(flag) for flag in flags)
        entity = row.entity_id if coverage.entity is None else row.data.get(coverage.entity)
        if entity is None or entity == "":
            continue
        entity = str(entity)
        entry.seen.add(entity)
        if reporting(row.data):
            entry.received.add(entity)
    return out


def _safe(source: str, rule: Callable[[Data], bool] | None) -> Callable[[Data], bool]:
    """The coverage's reporting rule; one that raises counts the record as not reporting."""
    if rule is None:
        return lambda data: True
    warned = False

    def test(data: Data) -> bool:
        nonlocal warned
        try:
            return bool(rule(data))
        except Exception as exc:
            if not warned:
                warned = True
                log.warning("coverage reporting rule raised", source=source, error=repr(exc))
            return False

    return test
