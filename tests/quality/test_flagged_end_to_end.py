"""An out-of-range value served by the replay upstream (its ``patch_row`` fault) is stored
with its flag, not set aside, and the analytics leave it out and say so in ``excluded``."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from collector import quality
from collector.aggregate import AggregationRunner
from collector.cli import main
from collector.ledger.read import ledger
from collector.plugin import Aggregation, Source
from collector.storage.base import Reject
from collector.storage.local import LocalStore
from replay_upstream.pytest_plugin import TEST_START, Replay
from sources.traffic import SOURCE as TRAFFIC

TRAFFIC_EXPORTS = "/comptages-routiers-permanents/exports"
SAEMES_LIVE = "/places-disponibles-parkings-saemes/records"
Rows = list[dict[str, Any]]


@pytest.fixture
def data_dir(replay_upstream: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A collector's environment pointed at the replay upstream (its clock at TEST_START)."""
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_PLUGIN_DIR", "PARIS_SNCF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for key, value in replay_upstream.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARIS_HTTP_RETRIES", "0")
    monkeypatch.setenv("PARIS_LAKE__ENABLED", "false")  # not what these tests are about
    # One hour (22:00): the patched row is then every analytic's latest count of its arc.
    monkeypatch.setenv("PARIS_SOURCES__TRAFFIC__BACKFILL_HOURS", "1")
    return tmp_path / "data"


def read(data: Path, dataset: str) -> tuple[Rows, list[Reject]]:
    async def go() -> tuple[Rows, list[Reject]]:
        async with LocalStore(data) as store:
            rows = await store.read_latest(dataset)
            return rows, await store.list_rejects(dataset.split(".")[0])

    return asyncio.run(go())


def aggregate(data: Path, name: str) -> dict[str, Any]:
    """One run of the analytic as the daemon makes it, at the replay clock; its gold data."""
    from importlib import import_module

    plugin: Aggregation = import_module(f"aggregations.{name}").AGGREGATION

    async def go() -> dict[str, Any]:
        async with LocalStore(data) as store:
            runner = AggregationRunner(plugin, plugin.settings(), store)
            result = await runner.run(TEST_START + timedelta(minutes=1))
            assert result.status == "ok", result.error
            [point] = await store.read_gold(name, "", "~")
            return dict(point.data)

    return asyncio.run(go())


def slots(data: Path, source: Source) -> Rows:
    """The source's ledger entries around the replay clock's start."""

    async def go() -> Rows:
        async with LocalStore(data) as store:
            return await ledger(
                store,
                source,
                None,
                since=TEST_START - timedelta(days=1),
                until=TEST_START + timedelta(hours=1),
                now=TEST_START + timedelta(hours=1),
            )

    return asyncio.run(go())


def flagged(rows: Rows) -> Rows:
    return [row for row in rows if quality.FLAG in row]


def test_k_140_is_stored_flagged_and_left_out_of_the_traffic_analytics(
    data_dir: Path, replay_upstream: Replay
) -> None:
    replay_upstream.fault(
        "patch_row",
        match=TRAFFIC_EXPORTS,
        times=1,
        value={"k": 140.0, "etat_trafic": "Bloqué", "etat_barre": "Ouvert"},
    )
    assert main(["once", "traffic"]) == 0
    rows, rejects = read(data_dir, "traffic")
    [bad] = flagged(rows)
    assert bad["occupancy_k"] == 140.0 and bad[quality.FLAG] == ["k_range"]
    assert not any("occupancy_k" in r.reason for r in rejects)  # kept, not set aside
    hour = [row for row in rows if row["observed_at"] == bad["observed_at"]]
    assert len(hour) > 2_900

    gold = aggregate(data_dir, "traffic_congestion_index")
    assert gold["excluded"] == {"k_range": 1}
    assert gold["arcs"] == len(hour) - 1  # left out of the index, and said so
    critical = aggregate(data_dir, "traffic_critical_segments")
    assert critical["excluded"] == {"k_range": 1}
    assert bad["entity_id"] not in {s["entity_id"] for s in critical["critical"]}

    # The completeness ledger counts the flag in the slot of the bad count.
    [entry] = [e for e in slots(data_dir, TRAFFIC) if e.get("flagged")]
    assert (entry["flagged"], entry["checks"]) == (1, {"k_range": 1})
    assert entry["slot_start"] <= bad["observed_at"] < entry["slot_end"]


def test_free_above_capacity_is_stored_flagged_and_counted_beside_the_rates_own_reasons(
    data_dir: Path, replay_upstream: Replay
) -> None:
    replay_upstream.fault(
        "patch_row", match=SAEMES_LIVE, times=1, value={"counterfreeplaces": 99_999}
    )
    assert main(["once", "parking"]) == 0
    rows, _ = read(data_dir, "parking")
    [bad] = flagged(rows)
    assert bad["free_places"] == 99_999 and bad["capacity_cars"] < 99_999
    assert bad[quality.FLAG] == ["free_within_capacity"]
    assert "above_capacity" in bad["flags"]  # the parser's own flag, as before

    gold = aggregate(data_dir, "overall_occupancy_rate")
    assert gold["excluded"]["free_within_capacity"] == 1
    assert gold["excluded"]["implausible"] == 0  # left out before the rate saw it
    assert gold["car_parks_total"] == len(rows) - 1
    in_operation = aggregate(data_dir, "number_of_parkings_in_operation")
    assert in_operation["excluded"] == {"free_within_capacity": 1}


def test_a_negative_count_is_left_out_of_every_analytic_reading_it(
    data_dir: Path, replay_upstream: Replay
) -> None:
    replay_upstream.fault("patch_row", match=SAEMES_LIVE, times=1, value={"counterfreeplaces": -4})
    assert main(["once", "parking"]) == 0
    for name in ("average_availability_parking", "reference_pricing"):
        assert aggregate(data_dir, name)["excluded"] == {"free_nonnegative": 1}
