"""The pure parts: slots filled at read time, and payloads folded into entries (revisions, a
replayed payload, lateness) by the rule the live path and the rebuild share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from collector.keys import ts
from collector.ledger.fold import Fold
from collector.ledger.rates import Rates
from collector.ledger.slots import complete_share, fill, slot_start
from collector.ledger.tally import SlotTally
from collector.plugin import Coverage, Record, Source
from collector.storage.base import Row

HOUR = timedelta(hours=1)
T = datetime(2026, 12, 2, 10, tzinfo=UTC)


def _entry(start: datetime, expected: int, state: str = "ok") -> dict[str, object]:
    return {"source": "s", "slot_start": ts(start), "expected": expected, "state": state}


def test_slot_start_is_aligned_on_the_epoch_in_utc() -> None:
    assert slot_start(T + timedelta(minutes=59, seconds=59), HOUR) == T
    assert slot_start(T + timedelta(minutes=3), timedelta(minutes=2)) == T + timedelta(minutes=2)
    with pytest.raises(ValueError, match="naive"):
        slot_start(datetime(2026, 1, 1), HOUR)


def test_fill_marks_due_slots_without_an_entry_missing_from_the_start_only() -> None:
    stored = [_entry(T, 10), _entry(T + 3 * HOUR, 12, "partial"), _entry(T - 5 * HOUR, 7)]
    out = fill(
        stored,
        slot=HOUR,
        since=T - 2 * HOUR,
        until=T + 6 * HOUR,
        start=ts(T - 1 * HOUR),
        due_after=HOUR,
        now=T + 6 * HOUR,
        source="s",
    )
    # Before the start nothing is missing; 15:00 ends at 16:00 and is due at 17:00, not yet.
    assert [(e["slot_start"], e["state"]) for e in out] == [
        (ts(T - HOUR), "missing"),
        (ts(T), "ok"),
        (ts(T + HOUR), "missing"),
        (ts(T + 2 * HOUR), "missing"),
        (ts(T + 3 * HOUR), "partial"),
        (ts(T + 4 * HOUR), "missing"),
    ]
    # A missing slot expects what the nearest earlier entry did (one before the range too).
    assert [e["expected"] for e in out] == [7, 10, 10, 10, 12, 12]
    assert out[1] == stored[0] and out[0]["slot_end"] == ts(T)
    assert complete_share(out) == 1 / 6
    assert complete_share([]) is None
    assert fill([], slot=HOUR, since=T, until=T + HOUR, start=None, due_after=HOUR, now=T) == []


class _Count(Record):
    value: int | None


SOURCE = Source(
    name="s",
    description="",
    interval=HOUR,
    records=(_Count,),
    fetch=lambda ctx: None,  # type: ignore[arg-type,return-value]
    parse=lambda payload: [],
    coverage=Coverage(by="observed", late_after=2 * HOUR),
)


def _tally(start: datetime, reporting: int, silent: int, version: int = 0) -> SlotTally:
    count = SlotTally(start)
    for n in range(reporting + silent):
        name = f"e{n}"
        count.seen.add(name)
        if n < reporting:
            count.received.add(name)
        data = {"entity_id": name, "value": version}
        count.rows.append(Row("s", name, ts(start), data, "raw"))
        count.records += 1
    return count


def test_a_revision_counts_its_rewritten_rows_and_a_replay_counts_nothing() -> None:
    fold = Fold(SOURCE, None, HOUR, Rates("s", HOUR))
    fold.add("raw/a", T + 30 * 60 * timedelta(seconds=1), {ts(T): _tally(T, 5, 5)}, lambda *_: 0)
    first = dict(fold.entries[ts(T)])
    assert (first["received"], first["expected"], first["state"]) == (5, 5, "ok")
    assert first["payloads"] == 1 and first["revisions"] == 0

    # A correction a day later: more arcs report, 4 rows rewritten.
    later = T + 26 * HOUR
    fold.add("raw/b", later, {ts(T): _tally(T, 9, 1, 1)}, lambda *_: 4)
    revised = fold.entries[ts(T)]
    assert (revised["received"], revised["expected"]) == (9, 5)  # judged once, at first
    assert (revised["payloads"], revised["revisions"]) == (2, 4)
    assert revised["first_received_at"] == first["first_received_at"]
    assert revised["last_received_at"] == ts(later)

    # The same bronze object again (replay): no payload, no revision more.
    fold.add("raw/b", later, {ts(T): _tally(T, 9, 1, 1)}, lambda *_: 10)
    assert fold.entries[ts(T)] == revised


def test_a_slot_first_received_past_late_after_is_late_and_too_few_partial() -> None:
    fold = Fold(SOURCE, None, HOUR, Rates("s", HOUR))
    fold.add("raw/a", T + HOUR, {ts(T): _tally(T, 10, 0)}, lambda *_: 0)
    late = T + 4 * HOUR
    fold.add("raw/b", late + 4 * HOUR, {ts(late): _tally(late, 10, 0)}, lambda *_: 0)
    fold.add("raw/c", T + 9 * HOUR, {ts(T + 8 * HOUR): _tally(T + 8 * HOUR, 4, 6)}, lambda *_: 0)
    assert fold.entries[ts(T)]["state"] == "ok"
    assert fold.entries[ts(late)]["state"] == "late"  # 3 h after its end, late_after 2 h
    partial = fold.entries[ts(T + 8 * HOUR)]
    assert partial["state"] == "partial" and partial["received"] < 0.9 * partial["expected"]


def test_a_departure_board_empty_at_night_is_an_answered_station_not_a_silent_one() -> None:
    from collector.ingest import build_batch
    from collector.ledger.tally import counted_dataset, tally
    from sources.departures import SOURCE as DEPARTURES

    day = {"departures": [], "disruptions": [], "context": {"timezone": "Europe/Paris"}}
    night = {"error": {"id": "no_departure_this_day", "message": "no departure"}}
    broken = {"error": {"id": "unknown_object", "message": "no such stop"}}
    payload = orjson.dumps(
        {"stop_area:SNCF:1": day, "stop_area:SNCF:2": night, "stop_area:SNCF:3": broken}
    )
    batch = build_batch(DEPARTURES, payload, "raw/departures/x.json.gz", T)
    assert batch.answered == {"stop_area:SNCF:1", "stop_area:SNCF:2"}
    rows = batch.rows.get(counted_dataset(DEPARTURES), [])
    [slot] = tally(DEPARTURES, timedelta(minutes=3), rows, T, batch.answered).values()
    assert slot.received == slot.seen == {"stop_area:SNCF:1", "stop_area:SNCF:2"}
    assert slot.records == 0
