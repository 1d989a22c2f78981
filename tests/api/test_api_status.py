"""``/health`` and ``/sources``; an unreachable storage is a 503 everywhere, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from api_testkit import APP, INSTALLED, SEEDED, World, get

from collector.settings import Settings
from sources.parking import SOURCE as PARKING


def test_sources_report_each_source(api: Any, world: World) -> None:
    status, body, headers = get(api, "/sources")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=30"
    by_name = {s["name"]: s for s in body["data"]}
    assert list(by_name) == list(INSTALLED)
    assert set(SEEDED) <= set(by_name)
    parking = by_name["parking"]
    assert parking["enabled"] is True
    assert (parking["licence"], parking["attribution"]) == (PARKING.licence, PARKING.attribution)
    assert parking["interval_s"] == 120
    assert parking["datasets"] == ["parking"]
    assert parking["last_status"] == "ok"
    assert parking["records_total"] == sum(
        1 for k in world.history if k.startswith("parking#") for _ in world.history[k]
    )
    assert parking["last_error"] is None and parking["stale"] is False
    # The data's age against the objective, apart from the runs (``stale`` above).
    assert parking["freshness_objective_s"] == PARKING.freshness.total_seconds()
    newest = datetime.strptime(parking["data_freshness"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(parking["data_age_s"] - (datetime.now(UTC) - newest).total_seconds()) < 30
    expected = "fresh" if parking["data_age_s"] <= parking["freshness_objective_s"] else "stale"
    assert parking["freshness"] == expected
    assert by_name["traffic"]["datasets"] == ["traffic", "traffic.arcs"]
    departures = by_name["departures"]
    assert departures["last_status"] == "failed"
    assert departures["last_error"].startswith("HTTP 401")
    assert departures["consecutive_failures"] == 3
    assert departures["stale"] is True
    assert all("plugin" not in s and "last_raw_key" not in s for s in body["data"])
    assert body["meta"]["count"] == len(INSTALLED)
    assert {by_name[n]["status"] for n in INSTALLED if n not in SEEDED} <= {"never_run"}


def test_health_is_degraded_when_a_source_fails(api: Any, world: World) -> None:
    status, body, headers = get(api, "/health")
    assert status == 200
    assert headers["Cache-Control"] == "no-store" and "ETag" not in headers
    fresh = body["data"].pop("freshness")
    assert set(fresh) == set(body["data"]["sources"])
    assert fresh["parking"]["freshness_objective_s"] == PARKING.freshness.total_seconds()
    for name, judged in fresh.items():
        age, objective = judged["data_age_s"], judged["freshness_objective_s"]
        verdict = "unknown" if age is None else "fresh" if age <= objective else "stale"
        assert judged["freshness"] == verdict, name
    assert body["data"] == {
        "status": "degraded",
        "storage": {"backend": world.backend, "reachable": True},
        "sources": {
            "departures": "failing",
            "parking": "ok",
            "traffic": "ok",
            # an installed source the store holds nothing of (e.g. a plugin added later)
            **{name: "never_run" for name in INSTALLED if name not in SEEDED},
        },
    }


ALL_PATHS = [
    "/parkings", "/traffic", "/departures", "/sources", "/health", "/parkings/1/history",
    "/traffic/6228/history", "/aggregation_overall_occupancy_rate",
    "/aggregation_departures_total?since=2025-01-01",
]  # fmt: skip


@pytest.mark.usefixtures("unreachable")
@pytest.mark.parametrize("path", ALL_PATHS)
def test_unreachable_storage_is_503(path: str) -> None:
    from chalice.test import Client

    with Client(APP) as client:
        status, body, headers = get(client.http, path)
    assert status == 503
    assert body["error"]["code"] == "storage_unavailable"
    assert "unreachable" in body["error"]["message"]
    assert headers["Retry-After"] == "30"


@pytest.mark.usefixtures("unreachable")
def test_bad_input_is_still_400_when_storage_is_down() -> None:
    from chalice.test import Client

    with Client(APP) as client:
        status, body, _ = get(client.http, "/parkings?limit=0")
    assert (status, body["error"]["parameter"]) == (400, "limit")


def test_dynamodb_without_tables_is_503(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from chalice.test import Client
    from chalicelib import context

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        storage="aws",
        data_dir=tmp_path,
        table_prefix="never_created_",
        aws_endpoint_url=moto_server,
    )
    context.configure(settings)
    try:
        with Client(APP) as client:
            for path in ("/health", "/aggregation_traffic_congestion_index", "/parkings"):
                status, body, _ = get(client.http, path)
                assert (status, body["error"]["code"]) == (503, "storage_unavailable"), path
    finally:
        context.configure(None)
