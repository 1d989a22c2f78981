"""The daemon's objective gauges on /metrics, and the alert rules written against them."""

from __future__ import annotations

import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from collector import keys
from collector.freshness_gauges import WINDOWS, refresh_complete_shares
from collector.ledger.read import complete_share
from collector.metrics import Metrics
from collector.plugin_settings import resolve
from collector.registry import discover
from tests.faults.helpers import ROOT, Collector, Replay, free_port

RULES = ROOT / "docs" / "alerts" / "paris-collector.rules.yml"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> tuple[set[str], Samples]:
    """Every metric family and sample name /metrics declares, and the samples' values."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    names: set[str] = set()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        for sample in family.samples:
            names.add(sample.name)
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return names, samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def rule_metrics(path: Path) -> set[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = [rule for group in doc["groups"] for rule in group["rules"]]
    assert rules, "no rule"
    for rule in rules:
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"]["severity"] in ("info", "warning", "critical"), rule
    return {m for rule in rules for m in re.findall(r"\bparis_[a-z0-9_]+", rule["expr"])}


def test_gauges_and_the_alert_rules_against_a_running_daemon(
    deployment: Collector, replay_upstream: Replay
) -> None:
    # An hour behind: velib's data is stale against its 5 minutes, parking's fresh against
    # the 2 hours an operator set.
    replay_upstream.set_clock(datetime.now(UTC) - timedelta(hours=1))
    deployment.sources["velib"].update(enabled=True, interval=5)
    deployment.sources["parking"].update(enabled=True, interval=5)
    port = free_port()
    daemon = deployment.start(PARIS_HEALTH_PORT=str(port), PARIS_SOURCES__PARKING__FRESHNESS="7200")
    for source in ("velib", "parking"):
        daemon.wait_event("run", source, where=lambda x: x.get("status") == "ok", timeout=60)

    names, samples = scrape(port)
    assert value(samples, "paris_freshness_objective_seconds", source="velib") == 300.0
    assert value(samples, "paris_freshness_objective_seconds", source="parking") == 7200.0
    ages: dict[str, float] = {}
    for source in ("velib", "parking"):
        newest = keys.parse_ts(deployment.state(source)["data_freshness"])
        age = value(samples, "paris_data_age_seconds", source=source)
        assert age is not None, source
        expected = (datetime.now(UTC) - newest).total_seconds()
        assert expected - 30 <= age <= expected, (source, age, expected)
        ages[source] = age
    assert ages["velib"] > 300.0  # stale against its objective
    assert ages["parking"] < 7200.0  # fresh against the operator's
    # The legacy name still says the same.
    assert value(samples, "paris_source_data_freshness_seconds", source="velib") is not None

    # The complete share comes from the ledger on its own job, shortly after the start.
    deadline = time.monotonic() + 60
    while any(
        value(samples, "paris_slots_complete_ratio", source="velib", window=window) is None
        for window in WINDOWS
    ):
        assert time.monotonic() < deadline, "paris_slots_complete_ratio never exported"
        time.sleep(0.5)
        names, samples = scrape(port)
    for window in WINDOWS:
        share = value(samples, "paris_slots_complete_ratio", source="velib", window=window)
        assert share is not None and 0.0 <= share <= 1.0, (window, share)

    missing = rule_metrics(RULES) - names
    assert not missing, f"the rules name metrics the daemon does not export: {missing}"
    assert daemon.terminate() == 0


def test_the_complete_share_gauge_is_the_ledgers_and_survives_a_failing_read(
    deployment: Collector, replay_upstream: Replay
) -> None:
    replay_upstream.set_clock(datetime.now(UTC))
    deployment.sources["velib"]["enabled"] = True
    done = deployment.cli("once", "velib")
    assert done.returncode == 0, done.stderr
    registry = discover(None)
    velib = registry.source("velib")
    settings = resolve(registry, deployment.settings()).sources["velib"]
    metrics = Metrics()
    now = datetime.now(UTC)

    async def shares(store: Any) -> dict[str, float | None]:
        await refresh_complete_shares(store, metrics, [(velib, settings)], now=now)
        return {
            label: await complete_share(store, velib, settings, window=window, now=now)
            for label, window in WINDOWS.items()
        }

    expected = deployment.read(shares)
    assert expected["24h"] is not None  # the run's slot is in the ledger
    for label in WINDOWS:
        exported = metrics.registry.get_sample_value(
            "paris_slots_complete_ratio", {"source": "velib", "window": label}
        )
        assert exported == expected[label], label

    async def broken(store: Any) -> None:
        await store.close()  # every read fails now: logged, the last values kept, no raise
        await refresh_complete_shares(store, metrics, [(velib, settings)], now=now)

    deployment.read(broken)
    for label in WINDOWS:
        exported = metrics.registry.get_sample_value(
            "paris_slots_complete_ratio", {"source": "velib", "window": label}
        )
        assert exported == expected[label], label
