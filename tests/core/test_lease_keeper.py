"""The lease keeper of two daemons on one SQLite database, on a clock the test moves: who
holds what, when the standby wakes, the take-over, the loss, the release, an outage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from collector.lease import AGGREGATIONS, LeaseKeeper, lease_source, source_lease
from collector.storage.local import LocalStore

NAMES = [source_lease("traffic"), source_lease("parking"), AGGREGATIONS]
DURATION = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_762_282_800.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[LocalStore, LocalStore]]:
    a, b = LocalStore(tmp_path / "data"), LocalStore(tmp_path / "data")
    await a.open()
    await b.open()
    yield a, b
    await a.close()
    await b.close()


def keepers(stores: tuple[LocalStore, LocalStore], clock: Clock) -> tuple[LeaseKeeper, ...]:
    return tuple(
        LeaseKeeper(store, name, DURATION, NAMES, clock=clock, monotonic=clock)
        for store, name in zip(stores, ("daemon-a", "daemon-b"), strict=True)
    )


async def test_first_daemon_takes_all_the_standby_wakes_at_expiry_and_takes_over(
    stores: tuple[LocalStore, LocalStore],
) -> None:
    clock = Clock()
    a, b = keepers(stores, clock)
    first = await a.beat()
    assert sorted(first.acquired) == sorted(NAMES) and a.held == sorted(NAMES)
    assert first.wake == DURATION / 3

    standby = await b.beat()
    assert standby.acquired == [] and b.held == []
    assert not await b.hold(source_lease("traffic"))
    assert standby.wake == DURATION / 3

    clock.now += 10  # a renews on its beat; b, waking, finds the leases renewed
    await a.beat()
    clock.now += 15
    assert (await b.beat()).acquired == []
    assert {x.holder for x in await stores[1].list_leases()} == {"daemon-a"}

    # a dies (no more beats): b takes everything once a's last renewal has expired, and
    # wakes for it the moment a's leases run out, not a whole beat later.
    clock.now += 10
    near = await b.beat()
    assert near.acquired == [] and near.wake == pytest.approx(5.05)
    clock.now += 5 - 0.01
    assert (await b.beat()).acquired == []
    clock.now += 0.02
    taken = await b.beat()
    assert sorted(taken.acquired) == sorted(NAMES)
    assert await b.hold(source_lease("traffic"))

    # a was only paused: its next beat is refused, it stops every job and runs none.
    back = await a.beat()
    assert sorted(back.lost) == sorted(NAMES) and a.held == []
    assert not await a.hold(source_lease("parking"))
    assert [lease_source(n) for n in sorted(back.lost)] == [None, "parking", "traffic"]


async def test_a_hold_renews_a_lease_whose_beat_is_late(
    stores: tuple[LocalStore, LocalStore],
) -> None:
    clock = Clock()
    a, b = keepers(stores, clock)
    await a.beat()
    clock.now += DURATION + 1  # a's loop stalled past its lease; b took traffic meanwhile
    assert await b.hold(source_lease("traffic"))
    # a does not trust its stale lease: it asks storage before running, and is refused.
    assert not await a.hold(source_lease("traffic"))
    assert await a.hold(source_lease("parking"))  # still free: renewed on the spot


async def test_release_lets_the_standby_take_over_at_its_next_beat(
    stores: tuple[LocalStore, LocalStore],
) -> None:
    clock = Clock()
    a, b = keepers(stores, clock)
    await a.beat()
    await b.beat()
    await a.release_all()
    assert a.held == [] and await stores[0].list_leases() == []
    clock.now += 1  # long before the released leases would have expired
    assert sorted((await b.beat()).acquired) == sorted(NAMES)


async def test_storage_outage_keeps_the_holder_running_and_takes_nothing_new(
    stores: tuple[LocalStore, LocalStore],
) -> None:
    clock = Clock()
    a, _b = keepers(stores, clock)
    a.names = [source_lease("traffic")]
    await a.beat()
    a.names = NAMES
    await stores[0].close()  # every storage call now raises StorageError
    clock.now += DURATION * 2
    beat = await a.beat()
    assert beat.lost == [] and beat.acquired == []
    # Unknown beats lost: the holder keeps its source (into the spool); the others stay free.
    assert await a.hold(source_lease("traffic"))
    assert not await a.hold(source_lease("parking"))
    await stores[0].open()
    assert sorted((await a.beat()).acquired) == [AGGREGATIONS, source_lease("parking")]


async def test_while_draining_held_leases_are_renewed_and_no_new_one_taken(
    stores: tuple[LocalStore, LocalStore],
) -> None:
    clock = Clock()
    a, _b = keepers(stores, clock)
    a.names = [AGGREGATIONS]
    await a.beat()
    a.names, a.acquiring = NAMES, False
    clock.now += DURATION * 0.9
    beat = await a.beat()
    assert beat.acquired == [] and a.held == [AGGREGATIONS]
    [lease] = await stores[0].list_leases()
    assert lease.expires_ms == int((clock.now + DURATION) * 1000)
    assert not await a.hold(source_lease("traffic"))
