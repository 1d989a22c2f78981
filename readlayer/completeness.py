"""The completeness ledger as both readers show it: every due slot of a source, and the
per-entity reporting rates behind its ``expected`` count.

Entries are the daemon's (silver rows of :data:`collector.ledger.slots.DATASET`, one per
source and slot start); the slots nothing was recorded for are filled here with the daemon's
own :func:`collector.ledger.slots.fill`, so the API, the dashboard and ``paris-collector
completeness`` answer the same entries. The slot length and when a slot is due come from the
catalogue (:mod:`readlayer.slot_rules`): a reader on Lambda has no plugin code.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson

from collector import keys
from collector.ledger.slots import DATASET, STATES, fill, slot_start
from collector.storage import Reader
from readlayer.catalogue import Catalogue, SourceInfo
from readlayer.reads import natural
from readlayer.slot_rules import SlotRule, rule
from readlayer.status import SourceState, duration, switches

log = logging.getLogger("paris.readlayer")
Entry = dict[str, Any]

HISTORY_PAGE = 1000
LOOKBACK = timedelta(days=7)
"""How far before the range the entry giving the first missing slots their ``expected`` is
looked for: :data:`collector.ledger.read.LOOKBACK` (a test keeps them equal), not imported, as
that module imports the daemon's writing side (its logging, structlog and rich) into the
Lambda bundle."""
MAX_SLOTS = 50_000
"""The most slots one source's answer may hold (69 days of a 2-minute source): a longer range
is a client mistake, not a reason to hold every slot in a Lambda's memory."""
STATE_LIST = STATES
"""``ok``, ``partial``, ``late``, ``missing`` (as the ledger writes them)."""


class RangeTooLong(ValueError):
    """The range holds more slots than :data:`MAX_SLOTS` for a source (the message says so)."""


def entities_key(source: str) -> str:
    """Where the daemon keeps a source's per-entity reporting rates (one object): the key of
    :func:`collector.ledger.rates.key` (a test keeps them equal; not imported, see
    :data:`LOOKBACK`)."""
    return f"completeness/{source}.entities.json.gz"


def slot_rule(info: SourceInfo) -> SlotRule:
    return info.slots or rule(None, info.interval_s)


def ledger_sources(registry: Catalogue, states: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The installed sources that run, by name (enabled as the status says it)."""
    return [
        name
        for name, info in sorted(registry.sources.items())
        if switches(info, SourceState.from_saved(states.get(name)))[0]
    ]


def completeness(
    reader: Reader,
    registry: Catalogue,
    *,
    source: str | None = None,
    since: datetime,
    until: datetime,
    now: datetime,
) -> list[Entry]:
    """The slots overlapping ``[since, until)`` of ``source`` (default: every enabled source),
    by source then oldest first: the stored entries, and ``missing`` ones for the due slots
    the ledger has none for. :class:`RangeTooLong` past :data:`MAX_SLOTS` slots of a source."""
    states = reader.states()
    names = [source] if source is not None else ledger_sources(registry, states)
    out: list[Entry] = []
    for name in names:
        out += source_ledger(
            reader, registry.source(name), states.get(name) or {},
            since=since, until=until, now=now,
        )  # fmt: skip
    return out


def source_ledger(
    reader: Reader,
    info: SourceInfo,
    state: Mapping[str, Any],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
) -> list[Entry]:
    found = slot_rule(info)
    first = slot_start(since, found.slot)
    if until > first and (until - first) / found.slot > MAX_SLOTS:
        raise RangeTooLong(
            f"{info.name}: the range holds more than {MAX_SLOTS:,} slots of "
            f"{duration(found.slot.total_seconds())}: ask for a shorter one"
        )
    stored = _entries(reader, info.name, keys.ts(first), keys.ts(until))
    start = SourceState.from_stored(state).ledger_since or min(
        (str(e["slot_start"]) for e in stored), default=None
    )
    earlier: list[Entry] = []
    if start is not None and start < keys.ts(first):
        # The nearest entry before the range gives the first missing slots their
        # ``expected``; looked for as far back as the daemon's own reads look.
        earlier = reader.history(
            DATASET, info.name, keys.ts(first - LOOKBACK), keys.ts(first - found.slot), limit=1
        ).items
    return fill(
        [*earlier, *stored],
        slot=found.slot,
        since=since,
        until=until,
        start=start,
        due_after=found.due_after,
        now=now,
        source=info.name,
    )


def _entries(reader: Reader, source: str, since: str, until: str) -> list[Entry]:
    """Every stored entry with ``since <= slot_start <= until``, page after page."""
    out: list[Entry] = []
    cursor: str | None = None
    while True:
        page = reader.history(DATASET, source, since, until, limit=HISTORY_PAGE, cursor=cursor)
        out += (e for e in page.items if isinstance(e.get("slot_start"), str))
        if page.next is None:
            return out
        cursor = page.next


def reporting_rates(reader: Reader, source: str) -> list[Entry]:
    """Each entity's reporting rate (``entity_id``, ``rate``, ``slots``, ``last_reported``),
    by entity id; empty until the daemon has counted a slot (or when the object is unreadable,
    which the log says)."""
    body = reader.get_object(entities_key(source))
    if body is None:
        return []
    try:
        found = orjson.loads(gzip.decompress(body))
        entities = found["entities"]
        rows = [
            {
                "entity_id": str(entity_id),
                "rate": _number(facts.get("rate")),
                "slots": _count(facts.get("slots")),
                "last_reported": facts.get("last_reported"),
            }
            for entity_id, facts in entities.items()
        ]
    except (OSError, EOFError, zlib.error, orjson.JSONDecodeError, KeyError, TypeError,
            AttributeError) as exc:  # fmt: skip
        log.warning("reporting rates of %s unreadable: %s", source, exc)
        return []
    return sorted(rows, key=lambda r: natural(r["entity_id"]))


def never_reporting(rows: list[Entry]) -> list[Entry]:
    """The entities that have not reported once since they were first seen."""
    return [r for r in rows if r.get("last_reported") is None]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
