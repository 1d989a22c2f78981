"""A circuit breaker per source: stop hammering an upstream that keeps failing.

closed --(N consecutive failures)--> open --(cooldown elapsed)--> half_open
half_open --(probe succeeds)--> closed;  half_open --(probe fails)--> open (cooldown doubles)

A ``Retry-After`` from the upstream opens the breaker for at least that long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

BreakerState = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[str, int] = {"closed": 0, "half_open": 1, "open": 2}


@dataclass
class Breaker:
    threshold: int = 5
    cooldown: float = 300.0
    max_cooldown: float = 3600.0
    state: BreakerState = "closed"
    failures: int = 0
    open_until: float = 0.0
    current_cooldown: float = 0.0

    def allow(self, now: float) -> bool:
        """Whether a run may start now (an open breaker lets one probe through after cooldown)."""
        if self.state == "open" and now >= self.open_until:
            self.state = "half_open"
        if self.state == "closed" and now < self.open_until:
            return False  # an upstream asked us to wait (Retry-After)
        return self.state != "open"

    def success(self) -> BreakerState:
        previous = self.state
        self.state, self.failures, self.current_cooldown, self.open_until = "closed", 0, 0.0, 0.0
        return previous

    def failure(self, now: float, retry_after: float | None = None) -> BreakerState:
        previous = self.state
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.threshold:
            self.current_cooldown = (
                min(self.current_cooldown * 2, self.max_cooldown)
                if self.state == "half_open" and self.current_cooldown
                else self.cooldown
            )
            self.state = "open"
            self.open_until = now + max(self.current_cooldown, retry_after or 0.0)
        elif retry_after:
            self.open_until = max(self.open_until, now + retry_after)
        return previous

    def snapshot(self, wall_offset: float) -> dict[str, Any]:
        """For the state record and the health endpoint (``open_until`` as wall-clock time)."""
        return {
            "state": self.state,
            "failures": self.failures,
            "open_until": round(self.open_until + wall_offset, 3) if self.open_until else None,
        }
