"""Prometheus metrics of the daemon, on a registry of its own (no process-global state)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector import keys
from collector.breaker import STATE_VALUES


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.runs = Counter(
            "paris_source_runs", "Source runs by outcome", ["source", "status"], registry=r
        )
        self.duration = Histogram(
            "paris_source_run_duration_seconds",
            "Duration of a source run",
            ["source"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
            registry=r,
        )
        self.records = Counter(
            "paris_source_records",
            "Records by stage: in (parsed), valid, invalid, written",
            ["source", "stage"],
            registry=r,
        )
        self.silver_skipped = Counter(
            "paris_silver_writes_skipped",
            "Silver records not written because the one stored under their key is identical",
            ["source", "dataset"],
            registry=r,
        )
        self.bytes = Counter(
            "paris_source_download_bytes", "Bytes downloaded from upstreams", ["source"], registry=r
        )
        self.last_success = Gauge(
            "paris_source_last_success_timestamp_seconds",
            "Unix time of the last successful run",
            ["source"],
            registry=r,
        )
        self.breaker = Gauge(
            "paris_source_breaker_state",
            "Circuit breaker: 0 closed, 1 half-open, 2 open",
            ["source"],
            registry=r,
        )
        self.spool_bytes = Gauge("paris_spool_bytes", "Bytes waiting in the spool", registry=r)
        self.spool_entries = Gauge(
            "paris_spool_entries", "Payloads waiting in the spool", registry=r
        )
        self.spool_drops = Counter(
            "paris_spool_dropped", "Payloads dropped because the spool was full", registry=r
        )
        self.spool_quarantined = Counter(
            "paris_spool_quarantined",
            "Spool files that could not be read back, moved to spool/quarantine",
            registry=r,
        )
        self.aggregations = Counter(
            "paris_aggregation_runs",
            "Aggregation runs by outcome",
            ["aggregation", "status"],
            registry=r,
        )
        self.freshness_objective = Gauge(
            "paris_freshness_objective_seconds",
            "How old a source's newest data may be before it is stale (its objective)",
            ["source"],
            registry=r,
        )
        self.complete_ratio = Gauge(
            "paris_slots_complete_ratio",
            "Share of a source's due ledger slots that are complete (state ok) over a window",
            ["source", "window"],
            registry=r,
        )
        self._freshness: dict[str, str] = {}
        r.register(_FreshnessCollector(lambda: self._freshness))

    def set_freshness(self, source: str, observed_at: str | None) -> None:
        # Only a well-formed key timestamp: one bad value must never fail every scrape.
        if observed_at and _readable(observed_at):
            self._freshness[source] = observed_at

    def count_unchanged(self, source: str, unchanged: Mapping[str, int]) -> None:
        """Add a run's skipped silver writes (``Batch.unchanged``: rows per dataset)."""
        for dataset, count in unchanged.items():
            self.silver_skipped.labels(source, dataset).inc(count)

    def set_breaker(self, source: str, state: str) -> None:
        self.breaker.labels(source).set(STATE_VALUES.get(state, 0))

    def set_complete_share(self, source: str, window: str, share: float | None) -> None:
        """``None`` (no slot due yet) drops the series rather than export a made-up ratio."""
        if share is None:
            self.complete_ratio.remove(source, window)
        else:
            self.complete_ratio.labels(source, window).set(share)


class _FreshnessCollector(Collector):
    """Data freshness is computed at scrape time: the age of the newest observation."""

    def __init__(self, get: Callable[[], dict[str, str]]) -> None:
        self.get = get

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "paris_source_data_freshness_seconds",
            "Age of the newest observation a source has stored",
            labels=["source"],
        )
        # The same age under the name the freshness objectives are written against.
        age = GaugeMetricFamily(
            "paris_data_age_seconds",
            "Age of the newest observation a source has stored (compare with its objective)",
            labels=["source"],
        )
        now = time.time()
        for source, observed in sorted(self.get().items()):
            if _readable(observed):
                seconds = max(0.0, now - keys.parse_ts(observed).timestamp())
                family.add_metric([source], seconds)
                age.add_metric([source], seconds)
        yield family
        yield age


def _readable(timestamp: str) -> bool:
    try:
        keys.parse_ts(timestamp)
    except (ValueError, OverflowError):
        return False
    return True
