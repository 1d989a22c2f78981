"""Running aggregations: read silver, call the pure ``compute``, store one gold point.

A run's window is aligned to the aggregation's interval (it ends at the last interval
boundary), so running twice in the same interval overwrites the same point: idempotent.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from collector import keys, quality
from collector.logs import get_logger
from collector.plugin import Aggregation, AggregationSettings, Inputs, Window
from collector.storage.base import GoldPoint, StorageError, Store


@dataclass
class AggregationResult:
    name: str
    status: str
    window_end: str
    duration_s: float = 0.0
    inputs: int = 0
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status != "ok"


def aligned_window(
    now: datetime, interval: timedelta, length: timedelta, lead: timedelta = timedelta(0)
) -> Window:
    """The window ending at the last interval boundary at or before ``now`` (UTC epoch),
    pushed ``lead`` into the future."""
    step = max(1, int(interval.total_seconds()))
    epoch = int(now.timestamp())
    end = datetime.fromtimestamp(epoch - epoch % step, UTC) + lead
    return Window(start=end - length, end=end)


class AggregationRunner:
    def __init__(self, aggregation: Aggregation, settings: AggregationSettings, store: Store):
        self.aggregation = aggregation
        self.settings = settings
        self.store = store
        self.interval = timedelta(seconds=settings.interval or aggregation.interval.total_seconds())
        self.length = (
            timedelta(hours=settings.window_hours) if settings.window_hours else aggregation.window
        )
        self.lock = asyncio.Lock()
        self.log = get_logger(aggregation=aggregation.name)

    async def run(self, now: datetime | None = None) -> AggregationResult:
        moment = now or datetime.now(UTC)
        window = aligned_window(moment, self.interval, self.length, self.aggregation.lead)
        result = AggregationResult(self.aggregation.name, "ok", keys.ts(window.end))
        clock = time.monotonic()
        excluded: Counter[str] = Counter()
        async with self.lock:
            try:
                inputs = await self._read(window, moment, excluded)
                result.inputs = sum(len(v) for v in inputs.window.values()) + sum(
                    len(v) for v in inputs.latest.values()
                )
                output = await asyncio.to_thread(self.aggregation.compute, inputs, window)
                point = GoldPoint(
                    aggregation=self.aggregation.name,
                    window_start=keys.ts(window.start),
                    window_end=keys.ts(window.end),
                    ran_at=keys.ts(moment),
                    data=with_excluded(output.model_dump(mode="json"), excluded),
                )
                expires = int((moment + timedelta(days=self.settings.retention_days)).timestamp())
                await self.store.put_gold(point, expires_at=expires)
            except StorageError as exc:
                result.status, result.error = "storage_error", str(exc)
            except Exception as exc:  # a bug in compute: keep the traceback
                result.status, result.error = "error", f"{type(exc).__name__}: {exc}"
                self.log.error("aggregation crashed", traceback=traceback.format_exc(limit=8))
        result.duration_s = round(time.monotonic() - clock, 3)
        level = self.log.info if not result.failed else self.log.error
        level(
            "aggregation",
            status=result.status,
            window_end=result.window_end,
            inputs=result.inputs,
            excluded=dict(sorted(excluded.items())) or None,
            duration_s=result.duration_s,
            error=result.error,
        )
        return result

    async def _read(self, window: Window, now: datetime, excluded: Counter[str]) -> Inputs:
        """The inputs, records that failed a quality check left out and counted."""
        keep = quality.without_flagged
        latest = {
            d: keep(await self.store.read_latest(d), excluded)
            for d in self.aggregation.latest_inputs
        }
        in_window = {
            d: keep(await self.store.read_window(d, window.start, window.end), excluded)
            for d in self.aggregation.inputs
        }
        return Inputs(latest=latest, window=in_window, settings=self.settings, now=now)


def with_excluded(data: dict[str, Any], excluded: Counter[str]) -> dict[str, Any]:
    """A gold point's data with the inputs left out, by check name (``{}``: none): every
    point says it, so a reader can tell "none excluded" from "not said".

    An analytic that counts its own exclusions in an ``excluded`` object (reason: count;
    ``overall_occupancy_rate``) keeps them: the check names are added beside its reasons.
    """
    own = data.get(quality.EXCLUDED)
    merged: dict[str, Any] = dict(own) if isinstance(own, dict) else {}
    for name, count in sorted(excluded.items()):
        before = merged.get(name)
        merged[name] = count + (before if isinstance(before, int) else 0)
    return {**data, quality.EXCLUDED: merged}
