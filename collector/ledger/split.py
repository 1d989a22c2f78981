"""The slot of each counted row, for the writers that count a ledger's revisions per slot.

A payload of observed slots can hold several (a traffic catch-up, a revisit's trailing day):
:func:`collector.ingest.write_batch` writes the counted dataset slot by slot with this, so the
rows each slot really had rewritten (new or changed, unchanged ones skipped) are known.
"""

from __future__ import annotations

from collections.abc import Callable

from collector.keys import parse_ts, ts
from collector.ledger.slots import slot_length, slot_start
from collector.ledger.tally import counted_dataset
from collector.logs import get_logger
from collector.plugin import Source

log = get_logger(component="ledger")

SlotOf = tuple[str, Callable[[str], str]]
"""The counted dataset, and the slot start (key timestamp) of an ``observed_at``."""


def slot_of(source: Source) -> SlotOf | None:
    """None for a fetched ledger: a payload is one slot, its written count is the batch's."""
    if source.coverage.by != "observed":
        return None
    slot = slot_length(source)
    memo: dict[str, str] = {}

    def of(observed_at: str) -> str:
        found = memo.get(observed_at)
        if found is None:
            found = memo[observed_at] = ts(slot_start(parse_ts(observed_at), slot))
        return found

    return counted_dataset(source), of


def answered_in(source: Source, payload: bytes) -> frozenset[str]:
    """The entities ``payload`` answered for (``Coverage.answered``); none when the source
    declares no such rule, or its rule fails on this payload (logged: the parse judges the
    payload itself, the ledger then counts its records only)."""
    rule = source.coverage.answered
    if rule is None:
        return frozenset()
    try:
        return frozenset(str(entity) for entity in rule(payload) if entity not in (None, ""))
    except Exception as exc:
        log.warning("coverage answered rule raised", source=source.name, error=repr(exc))
        return frozenset()
