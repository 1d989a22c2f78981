"""After a run that wrote, the daemon builds the snapshots from the latest views it read last
with the rows it just stored put over them (collector/snapshot_views.py): the same snapshot as
reading the views again, without the read; quiet and failed runs read again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collector.ledger.slots import slot_start
from collector.snapshot import decode, snapshot_key
from collector.snapshot_views import FULL_READ, Views
from collector.storage.base import Row
from replay_upstream.pytest_plugin import TEST_START

TWO_MIN = timedelta(minutes=2)
T0 = slot_start(TEST_START, TWO_MIN)


async def _snapshot(store: Any, dataset: str) -> list[dict[str, Any]]:
    body = (await store.get_raw(snapshot_key(dataset))).body
    return list(decode(body, dataset).items)


@pytest.mark.parametrize("backend", ["local", "aws"])
async def test_a_writing_run_builds_its_snapshot_without_reading_the_latest_view(
    make_collector: Callable[[str], Any], backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_collector(backend) as c:
        reads: list[str] = []
        inner = c.store.read_latest

        async def counted(dataset: str) -> list[dict[str, Any]]:
            reads.append(dataset)
            return list(await inner(dataset))

        monkeypatch.setattr(c.store, "read_latest", counted)
        first = await c.run("parking", T0)
        assert first.written > 0 and reads == ["parking"]  # the first snapshot reads the view

        for n in (1, 2, 3):  # the replay's car parks change their counts every slot
            result = await c.run("parking", T0 + n * TWO_MIN)
            assert result.written > 0
            assert reads == ["parking"]  # no read: the views held, with the rows written
            assert await _snapshot(c.store, "parking") == await inner("parking")


def _row(entity: str, at: str, value: int) -> Row:
    data = {"entity_id": entity, "observed_at": at, "value": value}
    return Row("d", entity, at, data, "raw/d/x")


def test_the_views_never_go_back_in_time_and_drop_what_expired() -> None:
    views = Views(["d"], {"d": timedelta(hours=1)}, max_gap=timedelta(minutes=4))
    views.remember({"d": [_row("a", "2026-12-02T10:00:00Z", 1).data], "x": []}, 0.0)
    now = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
    merged = views.merged(
        {"d": [_row("a", "2026-12-02T09:00:00Z", 0), _row("b", "2026-12-02T10:20:00Z", 2)]},
        now,
        60.0,
    )
    assert merged == {
        "d": [_row("a", "2026-12-02T10:00:00Z", 1).data, _row("b", "2026-12-02T10:20:00Z", 2).data]
    }
    later = views.merged({}, now + timedelta(minutes=40), 120.0)  # a: 10:00 + 1 h < 11:10
    assert [i["entity_id"] for i in later["d"]] == ["b"]


def test_the_views_are_read_again_after_a_gap_a_failure_or_a_quarter_of_an_hour() -> None:
    views = Views(["d"], {}, max_gap=timedelta(minutes=4))
    assert not views.usable(0.0)  # never read
    views.remember({"d": []}, 0.0)
    assert views.usable(240.0) and not views.usable(241.0)  # the runner did not run between
    views.merged({}, datetime.now(UTC), 200.0)
    assert views.usable(440.0)
    assert not views.usable(FULL_READ.total_seconds())  # read again at least that often
    views.invalidate()  # what a failed run does
    assert not views.usable(201.0)
