"""Freshness objectives: how old a source's newest data may be, apart from whether it runs.

A run can succeed while the data goes stale: the publisher stopped publishing, or serves the
same old hour again (traffic's change check then says "unchanged", a success). So the verdict
here reads the *data's* age (the saved state's ``data_freshness``: the newest observation
stored, never later than the run that stored it), not the last success.

The objective is, in order: the operator's ``PARIS_SOURCES__<NAME>__FRESHNESS`` (seconds),
the source's own ``Source.freshness``, or :data:`DEFAULT_INTERVALS` of its interval (the
interval as the operator set it). Pure functions: the daemon, ``status`` and the read layer
(from the manifest, where no plugin is loaded) share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from collector import keys

if TYPE_CHECKING:
    from collector.plugin import Source, SourceSettings

DEFAULT_INTERVALS = 3
"""Objective of a source that declares none, in intervals: one late run is not news."""

Verdict = Literal["fresh", "stale", "unknown"]
"""``unknown``: no data stored yet (or an unreadable time), so no age to judge."""


def objective_seconds(*, declared: float | None, interval: float, override: float | None) -> float:
    """The objective in seconds: the setting, else the declaration, else three intervals."""
    if override is not None:
        return float(override)
    if declared is not None:
        return float(declared)
    return DEFAULT_INTERVALS * float(interval)


def objective(source: Source, settings: SourceSettings) -> timedelta:
    """A loaded source's objective with its settings applied."""
    declared = source.freshness.total_seconds() if source.freshness is not None else None
    interval = settings.interval or source.interval.total_seconds()
    seconds = objective_seconds(declared=declared, interval=interval, override=settings.freshness)
    return timedelta(seconds=seconds)


def data_age(data_freshness: str | None, now: datetime) -> float | None:
    """Seconds since the newest stored observation; None when none is known or readable.

    Never negative: the state bounds it by the run's time, and a clock a little behind the
    daemon's (``status`` on another host) must not show data from the future.
    """
    if not data_freshness:
        return None
    try:
        newest = keys.parse_ts(data_freshness)
    except (TypeError, ValueError, OverflowError):
        return None
    return max(0.0, (now - newest).total_seconds())


def verdict(age_s: float | None, objective_s: float) -> Verdict:
    if age_s is None:
        return "unknown"
    return "fresh" if age_s <= objective_s else "stale"


@dataclass(frozen=True, kw_only=True)
class Freshness:
    """A source's data age against its objective."""

    objective_s: float
    age_s: float | None
    verdict: Verdict

    def as_json(self) -> dict[str, float | str | None]:
        return {
            "data_age_s": None if self.age_s is None else round(self.age_s, 1),
            "objective_s": self.objective_s,
            "verdict": self.verdict,
        }


def judge(data_freshness: str | None, objective_s: float, now: datetime) -> Freshness:
    age = data_age(data_freshness, now)
    return Freshness(objective_s=objective_s, age_s=age, verdict=verdict(age, objective_s))
