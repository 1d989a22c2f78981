"""The latest views a runner last stored its snapshots from, kept to build the next ones.

Reading a dataset's latest view again after every run that wrote is what a snapshot cost:
traffic's counts and arcs are ~6,000 items, ~750 DynamoDB read units an hour, 16 s on moto
(where it delayed the daemon's lease renewals queued behind it). After a run that wrote, the
latest view is the one the runner read last, with the rows it just wrote put over it (a row
replaces an entity's record unless older: the latest view never goes back in time), less the
records past their ``latest_ttl``. Another writer (``replay``, ``dlq replay``, the spool, a
daemon that held the source meanwhile) is not seen by that: so the views are read again from
storage after every quiet run (which :mod:`collector.runner` does at most every few minutes),
after any run that did not end well, and at least every :data:`FULL_READ`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from collector.keys import parse_ts
from collector.storage.base import Row

Item = dict[str, Any]
FULL_READ = timedelta(minutes=15)


class Views:
    """Per dataset, each entity's latest record as storage last answered plus what was written."""

    def __init__(
        self,
        datasets: Iterable[str],
        ttls: Mapping[str, timedelta | None],
        *,
        max_gap: timedelta,
    ) -> None:
        self.datasets = frozenset(datasets)
        self.ttls = dict(ttls)
        self.max_gap = max_gap.total_seconds()
        self._items: dict[str, dict[str, Item]] | None = None
        self._read_at = self._used_at = float("-inf")  # monotonic times

    def invalidate(self) -> None:
        self._items = None

    def usable(self, monotonic: float) -> bool:
        """Read less than :data:`FULL_READ` ago, and used by the run before this one (a
        runner that did not run for a while may have lost the source to another daemon)."""
        return (
            self._items is not None
            and monotonic - self._read_at < FULL_READ.total_seconds()
            and monotonic - self._used_at <= self.max_gap
        )

    def merged(
        self, rows: Mapping[str, Sequence[Row]], now: datetime, monotonic: float
    ) -> dict[str, list[Item]]:
        """The views with ``rows`` put over them, as :meth:`Store.read_latest` answers them
        (in entity order, expired records left out)."""
        assert self._items is not None
        self._used_at = monotonic
        for dataset, written in rows.items():
            view = self._items.get(dataset)
            if view is None:
                continue
            for row in written:
                held = view.get(row.entity_id)
                if held is None or str(held.get("observed_at", "")) <= row.observed_at:
                    view[row.entity_id] = dict(row.data)
        return {dataset: self._answer(dataset, view, now) for dataset, view in self._items.items()}

    def remember(self, read: Mapping[str, list[Item]], monotonic: float) -> None:
        """Keep what a full read answered (the datasets of this source only)."""
        self._items = {
            dataset: {str(item.get("entity_id")): item for item in items}
            for dataset, items in read.items()
            if dataset in self.datasets
        }
        self._read_at = self._used_at = monotonic

    def _answer(self, dataset: str, view: dict[str, Item], now: datetime) -> list[Item]:
        ttl = self.ttls.get(dataset)
        if ttl is not None:
            # As the stores judge it: kept while observed_at + ttl >= now (whole seconds).
            limit = now.replace(microsecond=0) - ttl
            for entity in [e for e, i in view.items() if parse_ts(str(i["observed_at"])) < limit]:
                del view[entity]
        return [view[entity] for entity in sorted(view)]
