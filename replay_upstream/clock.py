"""The replay clock: real time by default, settable, advanceable and acceleratable.

Every dataset reads the time from here, so a test can move the world forward one hour and
see a new traffic hour appear, and a demo can run a day in a few minutes.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; a naive one is taken as UTC."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def floor_hour(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class ReplayClock:
    """``now()`` = the instant set last + (real seconds elapsed since) x ``accelerate``.

    ``origin`` is the instant of the last :meth:`set` (or of creation): datasets anchor their
    history window on it, so setting the clock to 2025 gives a 2025 history.
    """

    def __init__(self, start: datetime | None = None, *, accelerate: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._accelerate = accelerate
        self._set(start or datetime.now(UTC))

    def _set(self, when: datetime) -> None:
        self._anchor = when.astimezone(UTC)
        self._anchor_real = time.monotonic()
        self.origin = self._anchor

    @property
    def accelerate(self) -> float:
        return self._accelerate

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_real) * self._accelerate
            return self._anchor + timedelta(seconds=elapsed)

    def set(self, when: datetime) -> None:
        """Jump to ``when``; the history windows restart from there."""
        with self._lock:
            self._set(when)

    def advance(self, seconds: float) -> None:
        """Move forward (or back) without resetting the history windows."""
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_real) * self._accelerate
            self._anchor = self._anchor + timedelta(seconds=elapsed + seconds)
            self._anchor_real = time.monotonic()

    def set_accelerate(self, factor: float) -> None:
        if factor < 0:
            raise ValueError("accelerate must be >= 0")
        with self._lock:
            elapsed = (time.monotonic() - self._anchor_real) * self._accelerate
            self._anchor = self._anchor + timedelta(seconds=elapsed)
            self._anchor_real = time.monotonic()
            self._accelerate = factor
