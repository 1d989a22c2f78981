"""What ``status`` shows of the objectives: each source's data age against its freshness
objective, and the share of its ledger slots complete over 24 h and 7 days.

A source is ``stale`` here when its newest data is older than its objective, whether or not
its last run succeeded: a publisher that stops publishing leaves every run a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from collector import freshness
from collector.freshness_gauges import WINDOWS
from collector.source_state import SourceState
from collector.storage.base import StorageError

if TYPE_CHECKING:
    from collector.plugin import Source, SourceSettings
    from collector.storage import Store

Shares = dict[str, float | None]
"""A source's complete share by window label (``24h``, ``7d``); None: no slot due yet."""


async def complete_shares(
    store: Store, sources: Mapping[str, tuple[Source, SourceSettings]], now: datetime
) -> dict[str, Shares]:
    """Each source's complete shares; a source whose ledger cannot be read is left out."""
    from collector.ledger.read import complete_share

    found: dict[str, Shares] = {}
    for name, (source, settings) in sorted(sources.items()):
        try:
            found[name] = {
                label: await complete_share(store, source, settings, window=window, now=now)
                for label, window in WINDOWS.items()
            }
        except (StorageError, ValueError, KeyError, TypeError):
            continue  # an unreadable ledger costs its shares ("-"), not the whole status
    return found


def objective_docs(
    sources: Mapping[str, tuple[Source, SourceSettings]],
    states: Mapping[str, Mapping[str, Any]],
    shares: Mapping[str, Shares],
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """``status --json``'s ``objectives``: per source, data age, objective, verdict, shares."""
    docs: dict[str, dict[str, Any]] = {}
    for name, (source, settings) in sorted(sources.items()):
        judged = _judge(source, settings, states.get(name), now)
        docs[name] = {
            **judged.as_json(),
            "complete_share": shares.get(name, dict.fromkeys(WINDOWS)),
        }
    return docs


def objective_lines(
    sources: Mapping[str, tuple[Source, SourceSettings]],
    states: Mapping[str, Mapping[str, Any]],
    shares: Mapping[str, Shares],
    now: datetime,
) -> list[str]:
    lines = [
        f"{'objectives':<12} {'data age':<10} {'objective':<10} {'freshness':<10}"
        + "".join(f" {'complete ' + label:<13}" for label in WINDOWS).rstrip()
    ]
    for name, (source, settings) in sorted(sources.items()):
        judged = _judge(source, settings, states.get(name), now)
        known = shares.get(name, {})
        lines.append(
            f"{name:<12} {_span(judged.age_s):<10} {_span(judged.objective_s):<10}"
            f" {judged.verdict:<10}"
            + "".join(f" {_share(known.get(label)):<13}" for label in WINDOWS).rstrip()
        )
    return lines


def _judge(
    source: Source, settings: SourceSettings, saved: Mapping[str, Any] | None, now: datetime
) -> freshness.Freshness:
    state = SourceState.from_stored(saved)
    objective = freshness.objective(source, settings).total_seconds()
    return freshness.judge(state.data_freshness, objective, now)


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if whole >= size:
            count = whole / size
            return f"{count:.1f}{unit}".replace(".0" + unit, unit)
    return f"{whole}s"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
