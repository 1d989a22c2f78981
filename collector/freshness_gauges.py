"""The daemon's objective gauges: each source's freshness objective and its complete share.

The data age itself is computed at scrape time (:mod:`collector.metrics`). The complete share
reads the ledger, a window of silver rows per source: it is refreshed by its own scheduler job
every :data:`REFRESH_EVERY` seconds, never inside a run, and a failed read is logged and
leaves the last value, so neither storage nor a ledger bug can fail a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from collector import freshness
from collector.logs import get_logger
from collector.storage.base import StorageError

if TYPE_CHECKING:
    from collector.metrics import Metrics
    from collector.plugin import Source, SourceSettings
    from collector.storage import Store

log = get_logger(component="freshness")

REFRESH_EVERY = 300.0
"""Seconds between two reads of a source's ledger for the gauge: a 24 h share moves slowly."""

WINDOWS: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}
"""The ``window`` label of ``paris_slots_complete_ratio`` and the span it covers."""


def set_objectives(metrics: Metrics, sources: Iterable[tuple[Source, SourceSettings]]) -> None:
    for source, settings in sources:
        seconds = freshness.objective(source, settings).total_seconds()
        metrics.freshness_objective.labels(source.name).set(seconds)


async def refresh_complete_shares(
    store: Store,
    metrics: Metrics,
    sources: Iterable[tuple[Source, SourceSettings]],
    *,
    now: datetime,
) -> None:
    """Set ``paris_slots_complete_ratio`` of each source for every window in :data:`WINDOWS`."""
    from collector.ledger.read import complete_share

    for source, settings in sources:
        for label, window in WINDOWS.items():
            try:
                share = await complete_share(store, source, settings, window=window, now=now)
            except StorageError as exc:  # the outage is logged where the runs meet it
                log.debug("complete share not refreshed", source=source.name, error=str(exc))
                continue
            except Exception as exc:  # a gauge is never worth a failed daemon job
                log.warning(
                    "complete share not refreshed",
                    source=source.name,
                    window=label,
                    error=f"{type(exc).__name__}: {exc}",
                )
                continue
            metrics.set_complete_share(source.name, label, share)
