"""A source's saved state, typed: what the daemon records after each run and readers judge.

The stored JSON is a storage interface (the API on Lambda and older deployments read it), so
:meth:`SourceState.to_stored` writes the same key names and shape the daemon always wrote, and
keeps every key it does not know (a newer daemon's, a hand-added one) untouched. A value of the
wrong type (a hand-edited or corrupt state) reads as missing rather than crashing a run; it is
written back as found unless the daemon sets that field again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NOTICES_KEPT = 200
"""Distinct upstream notices remembered, newest last (each is logged once, ever)."""


@dataclass(kw_only=True)
class SourceState:
    enabled: bool | None = None
    """The daemon's record of whether it runs the source (None: not recorded)."""
    disabled_reason: str | None = None
    last_run_at: str | None = None
    last_status: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    last_duration_s: float | None = None
    last_raw_key: str | None = None
    consecutive_failures: int | None = None
    records_last_run: int | None = None
    records_total: int | None = None
    data_freshness: str | None = None
    breaker: str | None = None
    notices: list[str] | None = None
    plugin: dict[str, Any] | None = None
    """The plugin's own cursor (e.g. a watermark), moved only once silver holds its rows."""
    ledger_since: str | None = None
    """The first slot of the completeness ledger (a key timestamp): readers call every due
    slot from there without an entry ``missing`` (:mod:`collector.ledger`)."""
    stored: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The mapping this was read from: its unknown and unreadable keys are written back."""

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> SourceState:
        stored = dict(stored or {})
        values: dict[str, Any] = {}
        for name, check in _CHECKS.items():
            value = stored.get(name)
            if value is not None and check(value):
                values[name] = _copied(value)
        return cls(**values, stored=stored)

    from_saved = from_stored  # the read layer's name for it

    def to_stored(self) -> dict[str, Any]:
        out = dict(self.stored)
        for name in _CHECKS:
            value = getattr(self, name)
            if value is not None:
                out[name] = _copied(value)
        if self.enabled is not None:
            # Written together by the daemon, the reason as null while the source runs.
            out["disabled_reason"] = self.disabled_reason
        return out

    def copy(self) -> SourceState:
        return dataclasses.replace(
            self,
            notices=None if self.notices is None else list(self.notices),
            plugin=None if self.plugin is None else dict(self.plugin),
            stored=dict(self.stored),
        )

    @property
    def ran(self) -> bool:
        """The daemon has run the source at least once."""
        return bool(self.last_run_at or self.last_success_at)

    @property
    def failures(self) -> int:
        return self.consecutive_failures or 0

    @property
    def total(self) -> int:
        return self.records_total or 0

    @property
    def cursor(self) -> dict[str, Any]:
        """The plugin's cursor, empty before its first stored run."""
        return dict(self.plugin or {})

    def move_cursor(self, update: Mapping[str, Any]) -> None:
        self.plugin = {**(self.plugin or {}), **update}

    def observe(self, newest: str | None, at: str) -> None:
        """Raise ``data_freshness`` to ``newest`` (a key timestamp), never later than ``at``,
        the run's own time: records stamped ahead of the clock (a departure's scheduled time)
        are data of now, and a stored value in the future (written before observation times
        were bounded) is dropped."""
        previous = self.data_freshness or ""
        candidate = min(newest, at) if newest is not None else ""
        best = max(previous if previous <= at else "", candidate)
        if best:
            self.data_freshness = best

    def remember(self, notices: Mapping[str, str]) -> list[str]:
        """Record the notices not seen before; returns their keys, to be logged once."""
        seen = list(self.notices or [])
        new = [key for key in sorted(notices) if key not in seen]
        seen.extend(new)
        if notices:
            self.notices = seen[-NOTICES_KEPT:]
        return new


def _copied(value: Any) -> Any:
    """A list or map is copied: the model and the mapping it came from never share one."""
    if isinstance(value, list):
        return list(value)
    return dict(value) if isinstance(value, dict) else value


def _count(value: Any) -> bool:
    # bool is an int: a count must not read True as 1
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _mapping(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) for k in value)


_CHECKS = {
    "enabled": lambda v: isinstance(v, bool), "disabled_reason": _text,
    "last_run_at": _text, "last_status": _text, "last_success_at": _text,
    "last_error": _text, "last_error_at": _text, "last_duration_s": _number,
    "last_raw_key": _text, "consecutive_failures": _count, "records_last_run": _count,
    "records_total": _count, "data_freshness": _text, "breaker": _text, "notices": _texts,
    "plugin": _mapping, "ledger_since": _text,
}  # fmt: skip

RUN_FIELDS = (
    "last_run_at", "last_status", "last_success_at", "last_error", "last_error_at",
    "consecutive_failures", "records_last_run", "records_total", "data_freshness",
)  # fmt: skip
"""The run record readers show (``/sources``), in their order there."""
