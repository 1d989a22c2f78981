"""Payloads folded into ledger entries (pure): the one rule the live path and the rebuild from
bronze share, so a rebuilt entry is the entry the daemon wrote.

Per slot, across the payloads that hold it: ``received``, ``seen`` and ``records`` are the
most any payload had (a revision re-sends the slot, it does not add to it); ``flagged`` and
the record checks are the newest payload's (its rows replaced the older ones in silver);
``expected`` is judged once, at the slot's first payload, from the rates as they were; a
payload counted already (a replay of the same bronze object) changes no count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from collector.keys import parse_ts, ts
from collector.ledger.rates import Rates
from collector.ledger.slots import late_after
from collector.ledger.tally import SlotTally
from collector.logs import get_logger
from collector.plugin import Check, Source, SourceSettings
from collector.quality import slot_checks

log = get_logger(component="ledger")

Entry = dict[str, Any]
RAW_KEYS_KEPT = 24
"""Payloads remembered per entry (to recognise a replayed one); a slot rarely has more."""


class Fold:
    """Entries of one source, by slot start, updated payload after payload."""

    def __init__(
        self,
        source: Source,
        settings: SourceSettings | None,
        slot: timedelta,
        rates: Rates,
        entries: Mapping[str, Entry] | None = None,
        expected: Mapping[str, int] | None = None,
    ) -> None:
        self.source = source
        self.slot = slot
        self.rates = rates
        self.entries: dict[str, Entry] = {k: dict(v) for k, v in (entries or {}).items()}
        self.expected = dict(expected or {})
        """Slots whose ``expected`` is known already (a rebuild keeps the judgement made live)."""
        self.late_after = late_after(source, settings)
        self.partial_below = source.coverage.partial_below
        self.checks: tuple[Check, ...] = slot_checks(source)
        self.rates_changed = False
        self.since: str | None = None
        """The earliest slot an entry was made for (the ledger's start moves there)."""
        self._rejudged: set[str] = set()

    def add(
        self,
        raw_key: str,
        fetched_at: datetime,
        tallies: Mapping[str, SlotTally],
        written: Callable[[str, SlotTally], int],
    ) -> list[str]:
        """Count one payload; ``written(slot, tally)`` gives the rows of the slot it wrote (a
        revision, when the slot had a payload before). Returns the slots changed."""
        changed: list[str] = []
        self._rejudged = set()
        for name in sorted(tallies):
            count = tallies[name]
            previous = self.entries.get(name)
            if previous is None:
                expected = self.expected.get(name, self.rates.expected(count.start, count))
                self.rates.update(count.start, count.seen, count.received)
                self.rates_changed = True
                revisions = 0
            else:
                expected = _int(previous.get("expected"))
                known = previous.get("raw_keys")
                replayed = isinstance(known, list) and raw_key in known
                revisions = 0 if replayed else written(name, count)
            entry = self._merged(previous, count, raw_key, fetched_at, expected, revisions)
            self.entries[name] = entry
            self.since = min(self.since or name, name)
            changed.append(name)
        # A slot's checks read the slot before: judge each changed slot and the one after it.
        for name in sorted({*changed, *(ts(parse_ts(n) + self.slot) for n in changed)}):
            if name in self.entries:
                self._judge(name)
        return sorted({*changed, *self._rejudged})

    def _merged(
        self,
        previous: Entry | None,
        count: SlotTally,
        raw_key: str,
        fetched_at: datetime,
        expected: int,
        revisions: int,
    ) -> Entry:
        before = previous or {}
        keys_before = [k for k in before.get("raw_keys") or [] if isinstance(k, str)]
        newest = not keys_before or raw_key >= max(keys_before)
        replayed = raw_key in keys_before
        at = ts(fetched_at)
        record_checks = (
            dict(sorted(count.checks.items()))
            if newest
            else dict(before.get("record_checks") or {})
        )
        return {
            "source": self.source.name,
            "slot_start": ts(count.start),
            "slot_end": ts(count.start + self.slot),
            "expected": expected,
            "received": max(_int(before.get("received")), len(count.received)),
            "seen": max(_int(before.get("seen")), len(count.seen)),
            "payloads": _int(before.get("payloads")) + (0 if replayed else 1),
            "records": max(_int(before.get("records")), count.records),
            "flagged": count.flagged if newest else _int(before.get("flagged")),
            "record_checks": record_checks,
            "checks": dict(record_checks),
            "revisions": _int(before.get("revisions")) + revisions,
            "state": "ok",
            "first_received_at": min(_text(before.get("first_received_at")) or at, at),
            "last_received_at": max(_text(before.get("last_received_at")) or at, at),
            "raw_keys": sorted({*keys_before, raw_key})[-RAW_KEYS_KEPT:],
        }

    def _judge(self, name: str) -> None:
        """Run the slot checks and set the state: partial (too few reporting, or a check
        failed), else late (first received past ``late_after``), else ok."""
        entry = self.entries[name]
        previous = self.entries.get(ts(parse_ts(name) - self.slot))
        checks = dict(entry.get("record_checks") or {})
        failed = []
        for check in self.checks:
            assert check.slot is not None
            try:
                passed = check.slot(entry, previous)
            except Exception as exc:  # a check that cannot judge the slot does not vouch for it
                log.warning("slot check raised", check=check.name, error=repr(exc))
                passed = False
            if not passed:
                failed.append(check.name)
                checks[check.name] = checks.get(check.name, 0) + 1
        expected = _int(entry.get("expected"))
        first = _text(entry.get("first_received_at"))
        end = parse_ts(str(entry["slot_end"]))
        if failed or _int(entry.get("received")) < self.partial_below * expected:
            state = "partial"
        elif first is not None and parse_ts(first) > end + self.late_after:
            state = "late"
        else:
            state = "ok"
        if entry.get("state") != state or entry.get("checks") != checks:
            entry["state"], entry["checks"] = state, checks
            self._rejudged.add(name)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
