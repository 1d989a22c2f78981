"""Leases: which daemon runs which job, so that several daemons on one storage share the work
and one takes over when another dies.

A lease is a row in the state store (the DynamoDB state table, or the SQLite ``leases`` table)
naming a job (``source:<name>``, ``aggregations``, ``report``), its holder (``PARIS_DAEMON_ID``)
and its expiry, written by the holder from its own clock. It is taken or renewed by one
conditional write whose condition is "absent, expired or mine", so two daemons never both win.

A daemon renews the leases it holds every ``PARIS_LEASE_DURATION / 3`` seconds and runs a job
only while it holds the job's lease. The leases it does not hold it tries again at each beat
and the moment the holder's lease expires, so a survivor takes over at most one lease duration
after the holder died (``kill -9``); on SIGTERM the holder releases its leases after the drain.

A renewal refused (another daemon took the lease: this one was paused or cut off longer than
the lease) makes the daemon stop that job at once. A renewal that fails because storage is
unreachable changes nothing: the holder goes on collecting into its spool, since losing
samples is worse than fetching an hour twice (every write is an idempotent upsert).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from collector.logs import get_logger
from collector.storage.base import Lease, StorageError, Store

SOURCE_PREFIX = "source:"
AGGREGATIONS = "aggregations"
REPORT = "report"
LAKE = "lake"
# A lease held by another daemon is tried again this long after its expiry, so a little clock
# jitter between the two daemons does not cost a whole beat.
TAKEOVER_SLACK = 0.05

log = get_logger(component="lease")


def source_lease(source: str) -> str:
    return f"{SOURCE_PREFIX}{source}"


def lease_source(name: str) -> str | None:
    """The source a lease is for, or ``None`` for another job."""
    return name.removeprefix(SOURCE_PREFIX) if name.startswith(SOURCE_PREFIX) else None


@dataclass
class Beat:
    """What one heartbeat changed, and when the next one is due (seconds)."""

    acquired: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    wake: float = 1.0


class LeaseKeeper:
    """The leases one daemon wants: holds, renews, takes over and releases them."""

    def __init__(
        self,
        store: Store,
        holder: str,
        duration: float,
        names: Iterable[str],
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.holder = holder
        self.duration = duration
        self.names = list(names)
        self.acquiring = True  # False while the daemon drains: renew, take nothing new
        self._clock = clock
        self._monotonic = monotonic
        self._held: dict[str, float] = {}  # name -> monotonic time of the last renewal
        self._others: dict[str, Lease] = {}  # name -> the other holder's lease, as last seen
        self._unreachable = False

    def holds(self, name: str) -> bool:
        return name in self._held

    @property
    def held(self) -> list[str]:
        return sorted(self._held)

    async def hold(self, name: str) -> bool:
        """True if this daemon may run the job now: it holds the lease (renewed recently
        enough that it cannot have expired), or has just taken it."""
        renewed = self._held.get(name)
        if renewed is not None and self._monotonic() - renewed < self.duration * 2 / 3:
            return True
        if renewed is None and not self.acquiring:
            return False
        return await self._attempt(name, Beat())

    async def beat(self) -> Beat:
        """Renew every lease held and try the others; say what changed."""
        beat = Beat(wake=self.duration / 3)
        for name in self.names:
            if name in self._held or self.acquiring:
                await self._attempt(name, beat)
        now = self._clock()
        for lease in self._others.values():
            # Wake when the other holder's lease runs out, unless it renews it first.
            due = lease.expires_ms / 1000 - now + TAKEOVER_SLACK
            beat.wake = min(beat.wake, max(TAKEOVER_SLACK, due))
        return beat

    async def release_all(self) -> None:
        """Give every held lease up, so another daemon takes over without waiting."""
        for name in sorted(self._held):
            try:
                await self.store.release_lease(name, self.holder)
            except StorageError as exc:
                log.warning("lease not released: it expires by itself", lease=name, error=str(exc))
            else:
                log.info("lease released", lease=name)
        self._held.clear()

    async def _attempt(self, name: str, beat: Beat) -> bool:
        had = name in self._held
        now_ms = int(self._clock() * 1000)
        try:
            lease = await self.store.acquire_lease(
                name, self.holder, now_ms=now_ms, duration_ms=int(self.duration * 1000)
            )
        except StorageError as exc:
            if not self._unreachable:
                log.warning("leases not renewed: storage unreachable", error=str(exc))
                self._unreachable = True
            return had
        if self._unreachable:
            log.info("leases renewed again")
            self._unreachable = False
        if lease.holder == self.holder:
            self._held[name] = self._monotonic()
            self._others.pop(name, None)
            if not had:
                log.info("lease acquired", lease=name, expires_in_s=self.duration)
                beat.acquired.append(name)
            return True
        seen = self._others.get(name)
        self._others[name] = lease
        if had:
            del self._held[name]
            log.warning("lease lost: another daemon runs it now", lease=name, holder=lease.holder)
            beat.lost.append(name)
        elif seen is None or seen.holder != lease.holder:
            log.info("lease held by another daemon", lease=name, holder=lease.holder)
        return False
