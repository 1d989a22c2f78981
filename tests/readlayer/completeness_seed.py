"""A completeness ledger written straight into a store, in the daemon's format (see
docs/completeness.md): entries as silver rows of ``_completeness``, the ledger's start in the
source state, and the per-entity reporting rates object. Shared by the read layer's, the API's
and the dashboard's completeness tests.

Per source, :data:`SLOTS` slots ending before ``now``: the first ones ``ok``, then a
``partial`` one, a ``late`` one, a gap (the daemon was down: nothing stored) and ``ok`` again.
The slot length and when a slot is due are the catalogue's own (:mod:`readlayer.slot_rules`).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from collector import keys
from collector.ledger.slots import DATASET, slot_start
from collector.storage.base import Row, Store
from readlayer.catalogue import Catalogue
from readlayer.completeness import entities_key, slot_rule

EXPIRES = 4_102_444_800
SLOTS = 12
GAP = (7, 8)
"""Slot indexes (0: the oldest) with no entry: due, so ``missing``."""
PARTIAL, LATE = 4, 5
EXPECTED = 40


@dataclass
class SeededLedger:
    """What was written, per source: the slot starts and the state each should read as."""

    since: datetime
    until: datetime
    states: dict[str, dict[str, str]] = field(default_factory=dict)
    """source -> slot_start -> state (missing ones included)."""
    rates: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def entry(source: str, start: datetime, slot: timedelta, index: int) -> dict[str, Any]:
    received = EXPECTED - (index % 3)
    state = "ok"
    if index == PARTIAL:
        received, state = EXPECTED // 2, "partial"
    if index == LATE:
        state = "late"
    end = start + slot
    return {
        "source": source,
        "slot_start": keys.ts(start),
        "slot_end": keys.ts(end),
        "expected": EXPECTED + index,  # a different count per slot: fill carries the right one
        "received": received,
        "seen": EXPECTED + 5,
        "payloads": 1,
        "records": EXPECTED + 5,
        "flagged": 1 if index == PARTIAL else 0,
        "checks": {"sudden_drop": 1} if index == PARTIAL else {},
        "revisions": 0,
        "state": state,
        "first_received_at": keys.ts(end + (slot * 3 if state == "late" else slot / 2)),
        "last_received_at": keys.ts(end + slot),
    }


def rates_object(source: str, slot: timedelta, now: datetime, entities: int) -> dict[str, Any]:
    """``entities`` ids; every fifth never reports, the others at rates from 0.1 to 1."""
    found: dict[str, dict[str, Any]] = {}
    for i in range(entities):
        never = i % 5 == 0
        found[str(1000 + i)] = {
            "rate": 0.0 if never else round(0.1 + 0.9 * (i % 10) / 9, 3),
            "slots": 168,
            "last_reported": None if never else keys.ts(slot_start(now, slot) - slot),
        }
    return {"source": source, "updated_at": keys.ts(now), "slot_s": slot.total_seconds(),
            "entities": found}  # fmt: skip


async def seed_ledger(
    store: Store,
    catalogue: Catalogue,
    now: datetime,
    *,
    sources: tuple[str, ...],
    entity_ids: dict[str, list[str]] | None = None,
    rate_entities: int = 30,
    recent: bool = False,
    before: timedelta | None = None,
    down: tuple[datetime, datetime] | None = None,
) -> SeededLedger:
    """The ledger of ``sources``: :data:`SLOTS` due slots each, the newest ending before
    ``now`` less the source's due delay (so every one of them is due).

    ``entity_ids``: the ids the rates object names, per source (default: ``rate_entities``
    made-up ids). ``recent``: also the slots since, up to the one before ``now``, all ``ok``
    (received on time, as a running daemon leaves them; not in :attr:`SeededLedger.states`).
    ``before``: ``ok`` slots that long before the seeded ones, the ledger starting with them;
    none of those starting in ``down`` (``[start, end)``: the daemon was stopped)."""
    seeded: SeededLedger | None = None
    for name in sources:
        found = slot_rule(catalogue.source(name))
        last = slot_start(now - found.due_after, found.slot) - found.slot
        first = last - (SLOTS - 1) * found.slot
        rows, states = [], {}
        for index in range(SLOTS):
            start = first + index * found.slot
            if index in GAP:
                states[keys.ts(start)] = "missing"
                continue
            data = entry(name, start, found.slot, index)
            states[keys.ts(start)] = data["state"]
            rows.append(Row(DATASET, name, data["slot_start"], data, "", None))
        if recent:
            start = last + found.slot
            while start + found.slot <= now:
                rows.append(
                    Row(DATASET, name, keys.ts(start), entry(name, start, found.slot, 0), "")
                )
                start += found.slot
        begin = first if before is None else slot_start(first - before, found.slot)
        start = begin
        while start < first:
            if down is None or not down[0] <= start < down[1]:
                data = entry(name, start, found.slot, 0)
                rows.append(Row(DATASET, name, keys.ts(start), data, ""))
            start += found.slot
        await store.put_rows(rows, history=True, expires_at=EXPIRES)
        saved = await store.get_state(name)
        await store.put_state(name, {**saved, "ledger_since": keys.ts(begin)})
        rates = rates_object(name, found.slot, now, rate_entities)
        if entity_ids and name in entity_ids:
            values = list(rates["entities"].values())
            rates["entities"] = {e: values[i % len(values)] for i, e in enumerate(entity_ids[name])}
        body = gzip.compress(orjson.dumps(rates))
        await store.put_object(entities_key(name), body, "application/json")
        if seeded is None:
            seeded = SeededLedger(since=first, until=last + found.slot)
        seeded.since = min(seeded.since, first)
        seeded.until = max(seeded.until, last + found.slot)
        seeded.states[name] = states
        seeded.rates[name] = rates["entities"]
    assert seeded is not None
    return seeded
