"""Per-entity reporting rates: which entities usually report, the base of a slot's ``expected``.

One object per source, ``completeness/<source>.entities.json.gz``, rewritten after each new
slot. A rate is an adaptive running mean of "reported in the slot" (1 or 0): the weight of a
slot is ``1 / min(n, slots in 7 days)``, so a new entity's rate settles within its first slots
and an old one's follows about the last week. An entity counts as expected when it usually
reports (rate >= 0.5) and was seen (present, reporting or not) in the 7 days before the slot.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from collector.keys import parse_ts, ts
from collector.ledger.tally import SlotTally

WINDOW = timedelta(days=7)
USUALLY = 0.5
FORGET_AFTER = timedelta(days=30)
"""An entity unseen this long leaves the object (a removed counter or station)."""


def key(source: str) -> str:
    """Where a source's rates are stored (``Store.put_object`` / ``Reader.get_object``)."""
    return f"completeness/{source}.entities.json.gz"


@dataclass
class Rate:
    rate: float = 0.0
    slots: int = 0
    last_reported: str | None = None
    last_seen: str | None = None


@dataclass
class Rates:
    source: str
    slot: timedelta
    entities: dict[str, Rate] = field(default_factory=dict)
    updated_at: str | None = None

    @property
    def window_slots(self) -> int:
        return max(1, math.ceil(WINDOW / self.slot))

    def expected(self, slot_start: datetime, count: SlotTally) -> int:
        """Entities expected to report in the slot; with no history yet, those reporting in
        it (not those seen: car parks without a live counter are seen and never report, and
        the first slot would always read partial)."""
        if not self.entities:
            return len(count.received)
        horizon = ts(slot_start - WINDOW)
        return sum(
            1
            for rate in self.entities.values()
            if rate.rate >= USUALLY and rate.last_seen is not None and rate.last_seen >= horizon
        )

    def update(self, slot_start: datetime, seen: Iterable[str], received: Iterable[str]) -> None:
        """Count one slot: each entity seen in it or in the week before reported, or not."""
        at = ts(slot_start)
        seen_now, reported = set(seen), set(received)
        horizon = ts(slot_start - WINDOW)
        for name in seen_now - self.entities.keys():
            self.entities[name] = Rate()
        forget = ts(slot_start - FORGET_AFTER)
        for name, rate in list(self.entities.items()):
            if name in seen_now:
                rate.last_seen = max(rate.last_seen or "", at)
            elif rate.last_seen is None or rate.last_seen < horizon:
                # Gone for a week: no longer counted, and forgotten after a month.
                if rate.last_seen is None or rate.last_seen < forget:
                    del self.entities[name]
                continue
            rate.slots += 1
            value = 1.0 if name in reported else 0.0
            rate.rate += (value - rate.rate) / min(rate.slots, self.window_slots)
            if value:
                rate.last_reported = max(rate.last_reported or "", at)

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "source": self.source,
            "updated_at": ts(now),
            "slot_s": int(self.slot.total_seconds()),
            "entities": {
                name: {
                    "rate": round(rate.rate, 4),
                    "slots": rate.slots,
                    "last_reported": rate.last_reported,
                    "last_seen": rate.last_seen,
                }
                for name, rate in sorted(self.entities.items())
            },
        }

    def body(self, now: datetime) -> bytes:
        return gzip.compress(orjson.dumps(self.to_json(now)), 6)

    @classmethod
    def from_json(cls, source: str, slot: timedelta, data: Mapping[str, Any]) -> Rates:
        """Rates as stored; a different slot length (the source's changed) starts afresh."""
        out = cls(source=source, slot=slot, updated_at=_text(data.get("updated_at")))
        if data.get("slot_s") != int(slot.total_seconds()):
            return out
        entities = data.get("entities")
        for name, value in entities.items() if isinstance(entities, dict) else ():
            if not isinstance(value, dict):
                continue
            rate, slots = value.get("rate"), value.get("slots")
            if not isinstance(rate, int | float) or not isinstance(slots, int):
                continue
            out.entities[str(name)] = Rate(
                rate=float(rate),
                slots=slots,
                last_reported=_stamp(value.get("last_reported")),
                last_seen=_stamp(value.get("last_seen")),
            )
        return out

    @classmethod
    def from_body(cls, source: str, slot: timedelta, body: bytes | None) -> Rates:
        """Rates from a stored object; an unreadable one starts afresh (it is rebuilt as slots
        come: the rates are a judgement aid, not data)."""
        if not body:
            return cls(source=source, slot=slot)
        try:
            data = orjson.loads(gzip.decompress(body))
        except (OSError, EOFError, orjson.JSONDecodeError):
            return cls(source=source, slot=slot)
        return cls.from_json(source, slot, data if isinstance(data, dict) else {})


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _stamp(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        parse_ts(value)
    except ValueError:
        return None
    return value
