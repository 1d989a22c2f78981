"""Source status: one staleness rule, one set of labels, for every reader.

**Stale** means no successful run for :data:`STALE_AFTER_INTERVALS` (2.5) intervals: one late
or failed run (the daemon jitters and retries) is not news, two missed runs in a row are; the
extra half interval keeps the verdict from racing the third run. (The API used to say 3, the
dashboard 2.5.)

**Freshness** is judged apart, on the data rather than the runs: the newest observation's age
against the source's freshness objective (:mod:`collector.freshness`: the
``PARIS_SOURCES__<NAME>__FRESHNESS`` setting, else the plugin's, else three intervals), as
``fresh``, ``stale`` or ``unknown`` (no data yet). It leaves the label alone: a publisher that
stops publishing leaves every run a success, and that is a different alarm.

**Enabled** comes from the daemon's own record (``enabled``, ``disabled_reason`` written at
start-up by ``collector/daemon.py``): the daemon holds the secrets and the settings that
decide, a reader may not (on Lambda it never does). A state written by a daemon that did not
record its switches but ran the source means the source runs. Only for a source the daemon
never touched do the reader's own settings (:attr:`SourceInfo.disabled`) say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from collector import keys
from collector.freshness import Verdict, objective_seconds
from collector.freshness import judge as judge_freshness
from collector.source_state import RUN_FIELDS
from collector.source_state import SourceState as SourceState  # the one model, re-exported
from readlayer.catalogue import DEFAULT_INTERVAL_S, Catalogue, SourceInfo

STALE_AFTER_INTERVALS = 2.5
Label = Literal["ok", "stale", "failing", "never_run", "disabled"]
LABELS: tuple[Label, ...] = ("ok", "stale", "failing", "never_run", "disabled")
LAGGING: frozenset[Label] = frozenset({"stale", "failing", "never_run"})
"""Labels that make the installation ``degraded``."""
OUTCOMES = (
    "ok", "empty", "unchanged", "missing", "failed", "timeout", "spooled", "parse_error",
    "storage_error", "error",
)  # fmt: skip
"""``last_status`` values ``collector.runner`` writes."""


STATE_FIELDS = RUN_FIELDS
"""The run record a reader shows, from the one state model the daemon writes."""


def parse_time(text: Any) -> datetime | None:
    """A stored UTC timestamp as an aware datetime; None when missing or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return keys.parse_ts(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_stale(last_success: str | None, interval_s: float, now: datetime) -> bool:
    """No success, an unreadable time, or none within :data:`STALE_AFTER_INTERVALS`."""
    moment = parse_time(last_success)
    if moment is None:
        return True
    return (now - moment).total_seconds() > STALE_AFTER_INTERVALS * interval_s


@dataclass(frozen=True, kw_only=True)
class SourceStatus:
    name: str
    label: Label
    enabled: bool
    disabled_reason: str | None
    stale: bool
    interval_s: int
    state: SourceState
    detail: str
    objective_s: float = 0.0
    """How old the newest data may be (the freshness objective, settings applied)."""
    data_age_s: float | None = None
    """Seconds since the newest observation stored; None before any."""
    freshness: Verdict = "unknown"
    """``fresh``/``stale`` against the objective, apart from the label (which says whether
    the source runs): a publisher that stops publishing leaves every run a success."""


def switches(info: SourceInfo | None, state: SourceState) -> tuple[bool, str | None]:
    """Whether the source runs and why not (see the module docstring)."""
    if state.enabled is not None:
        return state.enabled, None if state.enabled else (state.disabled_reason or "switched off")
    if state.ran or info is None:
        return True, None
    return info.enabled, info.disabled


def source_status(
    name: str, info: SourceInfo | None, saved: Mapping[str, Any] | None, now: datetime
) -> SourceStatus:
    state = SourceState.from_saved(saved)
    interval = info.interval_s if info is not None else DEFAULT_INTERVAL_S
    enabled, reason = switches(info, state)
    stale = is_stale(state.last_success_at, interval, now)
    declared = info.freshness_s if info is not None else None
    aged = judge_freshness(
        state.data_freshness,
        objective_seconds(declared=declared, interval=interval, override=None),
        now,
    )
    failures = state.consecutive_failures or 0
    label: Label
    if not enabled:
        label, detail = "disabled", reason or "switched off"
    elif not state.ran:
        label, detail = "never_run", "no run recorded yet"
    elif failures:
        label = "failing"
        detail = f"{failures} failed run(s): {state.last_error or 'unknown error'}"
    elif stale:
        label = "stale"
        detail = f"no success within {STALE_AFTER_INTERVALS:g} × its {duration(interval)} interval"
    else:
        label, detail = "ok", f"updated within its {duration(interval)} interval"
    return SourceStatus(
        name=name, label=label, enabled=enabled, disabled_reason=reason, stale=stale,
        interval_s=interval, state=state, detail=detail, objective_s=aged.objective_s,
        data_age_s=aged.age_s, freshness=aged.verdict,
    )  # fmt: skip


def judge(
    catalogue: Catalogue,
    saved: Mapping[str, Mapping[str, Any]],
    now: datetime,
    *,
    installed_only: bool = False,
) -> list[SourceStatus]:
    """The status of every source, by name; with the states of sources no longer installed
    unless ``installed_only``."""
    names = set(catalogue.sources) if installed_only else set(catalogue.sources) | set(saved)
    return [
        source_status(name, catalogue.sources.get(name), saved.get(name), now)
        for name in sorted(names)
    ]


def duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
