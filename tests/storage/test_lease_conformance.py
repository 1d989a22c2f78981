"""Leases, one behaviour on both backends: taken when absent or expired, renewed by their
holder only, released by their holder only, and never won by two contenders at once."""

from __future__ import annotations

import asyncio
from collections import Counter

from collector.settings import Settings
from collector.storage import Reader, Store, make_store
from collector.storage.base import Lease

T0_MS = 1_762_282_800_000  # 2025-11-04T19:00:00Z
MINUTE = 60_000


async def test_an_absent_lease_is_taken_and_renewed_by_its_holder(store: Store) -> None:
    taken = await store.acquire_lease("source:traffic", "a", now_ms=T0_MS, duration_ms=MINUTE)
    assert taken == Lease(
        "source:traffic", "a", "2025-11-04T19:00:00Z", "2025-11-04T19:00:00Z", T0_MS + MINUTE
    )
    renewed = await store.acquire_lease(
        "source:traffic", "a", now_ms=T0_MS + 20_000, duration_ms=MINUTE
    )
    # The tenure started at the first take; only the renewal time and the expiry move.
    assert renewed == Lease(
        "source:traffic",
        "a",
        "2025-11-04T19:00:00Z",
        "2025-11-04T19:00:20Z",
        T0_MS + 20_000 + MINUTE,
    )
    assert await store.list_leases() == [renewed]


async def test_a_live_lease_is_refused_to_another_holder(store: Store) -> None:
    held = await store.acquire_lease("aggregations", "a", now_ms=T0_MS, duration_ms=MINUTE)
    just_before = T0_MS + MINUTE - 1
    answer = await store.acquire_lease("aggregations", "b", now_ms=just_before, duration_ms=MINUTE)
    assert answer == held  # the holder's lease, untouched
    assert await store.list_leases() == [held]


async def test_an_expired_lease_is_taken_over_and_its_old_holder_refused(store: Store) -> None:
    await store.acquire_lease("source:parking", "a", now_ms=T0_MS, duration_ms=MINUTE)
    at_expiry = T0_MS + MINUTE
    taken = await store.acquire_lease("source:parking", "b", now_ms=at_expiry, duration_ms=MINUTE)
    assert taken == Lease(
        "source:parking", "b", "2025-11-04T19:01:00Z", "2025-11-04T19:01:00Z", at_expiry + MINUTE
    )
    # The old holder comes back (it was paused): its renewal is refused, it learns who has it.
    late = await store.acquire_lease(
        "source:parking", "a", now_ms=at_expiry + 1_000, duration_ms=MINUTE
    )
    assert late == taken
    assert await store.list_leases() == [taken]


async def test_only_the_holder_releases_and_a_released_lease_is_free(store: Store) -> None:
    held = await store.acquire_lease("report", "a", now_ms=T0_MS, duration_ms=MINUTE)
    assert await store.release_lease("report", "b") is False
    assert await store.list_leases() == [held]
    assert await store.release_lease("report", "a") is True
    assert await store.list_leases() == []
    assert await store.release_lease("report", "a") is False  # nothing left to release
    taken = await store.acquire_lease("report", "b", now_ms=T0_MS + 1, duration_ms=MINUTE)
    assert taken.holder == "b"


async def test_leases_are_listed_by_name_expired_ones_included(store: Store) -> None:
    for name, duration in (("source:traffic", MINUTE), ("aggregations", 1), ("report", MINUTE)):
        await store.acquire_lease(name, "a", now_ms=T0_MS, duration_ms=duration)
    leases = await store.list_leases()
    assert [x.name for x in leases] == ["aggregations", "report", "source:traffic"]
    assert [x.expired(T0_MS + 1) for x in leases] == [True, False, False]


async def test_leases_stay_out_of_states_and_rejects(store: Store, reader: Reader) -> None:
    await store.put_state("traffic", {"plugin": {"watermark": "2025-11-04T19:00:00+00:00"}})
    await store.acquire_lease("source:traffic", "a", now_ms=T0_MS, duration_ms=MINUTE)
    assert set(reader.states()) == {"traffic"}
    assert await store.get_state("traffic") == {
        "plugin": {"watermark": "2025-11-04T19:00:00+00:00"}
    }
    assert await store.list_rejects() == []


async def test_two_contenders_never_both_win(store: Store, settings: Settings) -> None:
    # A second store is a second daemon: its own connection or its own AWS clients.
    async with make_store(settings) as other:
        stores = [store, other]
        for round_ in range(8):
            now = T0_MS + round_ * MINUTE  # each round starts once the last lease has expired
            answers = await asyncio.gather(
                *(
                    stores[i % 2].acquire_lease(
                        "source:departures", f"d{i}", now_ms=now, duration_ms=MINUTE
                    )
                    for i in range(6)
                )
            )
            winners = {a.holder for a in answers}
            assert len(winners) == 1, answers  # every contender sees the same single holder
            assert Counter(a.expires_ms for a in answers) == {now + MINUTE: 6}
            assert (await store.list_leases())[0].holder in winners
