"""Cancelled and added trains, as Navitia shows them, through the source and the analytics.

Against the replay upstream: realtime omits a ``NO_SERVICE`` trip that the base schedule
still lists, linked to its disruption; an added trip is in realtime only. The source asks
both boards, two hours ahead (the analytics' lead), and within the quota arithmetic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog

from aggregations.departures_by_network import AGGREGATION as BY_NETWORK
from aggregations.departures_total import AGGREGATION as TOTAL
from collector.http import HttpClient, make_session
from collector.plugin import FetchContext, Inputs, Window
from collector.settings import Settings
from sources.departures import SOURCE
from sources.departures.parse import parse
from sources.departures.records import Departure
from sources.departures.settings import LOOKAHEAD, TERMINI, DeparturesSettings, requests_per_run

from .helpers import Fetch, Replay

AUTH = {"Authorization": "any-token"}
NOW = datetime(2025, 11, 5, 7, 30, tzinfo=UTC)  # morning peak, 08:30 in Paris


def board(fetch: Fetch, uic: str, freshness: str) -> dict[str, Any]:
    path = f"/v1/coverage/sncf/stop_areas/stop_area:SNCF:{uic}/departures"
    answer = fetch(path, headers=AUTH, count=1000, duration=7200, data_freshness=freshness)
    assert answer.status == 200
    body: dict[str, Any] = answer.json()
    return body


def journey(dep: dict[str, Any]) -> str:
    return str(next(link["id"] for link in dep["links"] if link["type"] == "vehicle_journey"))


def effects(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``{effect: [departure, ...]}`` by the disruption each departure links to."""
    by_id = {d["id"]: d for d in body["disruptions"]}
    out: dict[str, list[dict[str, Any]]] = {}
    for dep in body["departures"]:
        for link in dep["display_informations"]["links"]:
            if link["type"] == "disruption":
                out.setdefault(by_id[link["id"]]["severity"]["effect"], []).append(dep)
    return out


def test_cancelled_trips_are_absent_in_realtime_and_linked_in_the_base_schedule(
    replay_upstream: Replay, fetch: Fetch
) -> None:
    replay_upstream.set_clock(NOW.isoformat())
    cancelled = added = 0
    for uic in (key.removeprefix("stop_area:SNCF:") for key in TERMINI):
        realtime, base = board(fetch, uic, "realtime"), board(fetch, uic, "base_schedule")
        in_realtime = {journey(d) for d in realtime["departures"]}
        in_base = {journey(d) for d in base["departures"]}
        gone = effects(base).get("NO_SERVICE", [])
        for dep in gone:
            assert journey(dep) not in in_realtime
            assert dep["stop_date_time"]["data_freshness"] == "base_schedule"
        messages = {
            d["id"]: d["messages"][0]["text"]
            for d in base["disruptions"]
            if d["severity"]["effect"] == "NO_SERVICE"
        }
        assert all(text.startswith("Train supprimé") for text in messages.values())
        assert "NO_SERVICE" not in effects(realtime)  # realtime never shows one
        extra = effects(realtime).get("ADDITIONAL_SERVICE", [])
        for dep in extra:
            assert journey(dep) not in in_base
            assert "base_departure_date_time" not in dep["stop_date_time"]
        cancelled, added = cancelled + len(gone), added + len(extra)
    # A small share: at the morning peak, a few trains over two hours at six termini.
    assert 1 <= cancelled <= 40
    assert added >= 1
    assert board(fetch, "87686006", "base_schedule") == board(fetch, "87686006", "base_schedule")


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    session = make_session("https://example.invalid/contact")
    try:
        yield HttpClient(session, timeout=10, retries=0)
    finally:
        await session.close()


def context(replay: Replay, http: HttpClient, state: dict[str, str]) -> FetchContext:
    app = Settings(_env_file=None, sncf_url=replay.url, sncf_token="any-token")
    return FetchContext(
        http=http.for_run(),
        settings=DeparturesSettings(),
        app=app,
        state=state,
        now=NOW,
        log=structlog.get_logger(),
    )


def analytic(aggregation: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``compute`` over the window the core reads at NOW, its lead included."""
    end = NOW + aggregation.lead
    window = Window(start=end - aggregation.window, end=end)
    inside = [r for r in rows if window.start < datetime.fromisoformat(r["observed_at"]) <= end]
    out = aggregation.compute(
        Inputs(latest={}, window={"departures": inside}, settings=aggregation.settings(), now=NOW),
        window,
    )
    dumped: dict[str, Any] = out.model_dump(mode="json")
    return dumped


async def test_a_cancelled_train_is_recorded_counted_and_out_of_the_delay_mean(
    replay_upstream: Replay, http: HttpClient
) -> None:
    replay_upstream.set_clock(NOW.isoformat())
    fetched = await SOURCE.fetch(context(replay_upstream, http, {}))
    assert fetched is not None
    records = [r for r in parse(fetched.payload) if isinstance(r, Departure)]
    statuses = {r.status for r in records}
    assert statuses == {"on_time", "delayed", "cancelled", "added"}
    gone = [r for r in records if r.status == "cancelled"]
    assert all(r.realtime_departure is None and r.delay_minutes is None for r in gone)
    assert all((r.disruption_message or "").startswith("Train supprimé") for r in gone)
    late = [r for r in records if r.status == "delayed"]
    assert all(r.delay_minutes and r.delay_minutes > 0 for r in late)
    assert all((r.disruption_message or "").startswith("Retard de") for r in late)

    # The window asked covers the analytics' lead: trains up to two hours ahead are there.
    latest = max(r.base_departure for r in records)
    assert NOW + LOOKAHEAD - timedelta(minutes=30) < latest <= NOW + LOOKAHEAD

    # A cancelled train that had a delay announced before its cancellation: its last delay
    # must not weigh in the mean.
    rows = [r.model_dump(mode="json") for r in records]
    victim = next(row for row in rows if row["status"] == "cancelled")
    victim["delay_minutes"] = 600.0
    total = analytic(TOTAL, rows)
    ran = [r for r in records if r.status != "cancelled"]
    assert total["cancelled"] == len(gone) == sum(s["cancelled"] for s in total["stations"])
    assert total["departures"] == len(ran)
    delays = [r.delay_minutes for r in ran if r.delay_minutes is not None]
    assert total["total"]["mean_delay_minutes"] == round(sum(delays) / len(delays), 2)
    station = next(s for s in total["stations"] if s["stop_area_id"] == victim["stop_area_id"])
    assert station["cancelled"] >= 1
    networks = analytic(BY_NETWORK, rows)
    assert networks["cancelled"] == len(gone)
    assert sum(n["departures"] for n in networks["networks"]) == len(ran)
    by_network = {n["network"]: n["cancelled"] for n in networks["networks"]}
    assert by_network[victim["network"]] >= 1


async def test_the_quota_arithmetic_counts_the_base_schedule_requests(
    replay_upstream: Replay, http: HttpClient
) -> None:
    replay_upstream.set_clock(NOW.isoformat())
    state: dict[str, str] = {}
    requests = 0
    runs = 7
    for _ in range(runs):
        ctx = context(replay_upstream, http, state)
        fetched = await SOURCE.fetch(ctx)
        assert fetched is not None
        requests += ctx.http.stats.requests
        state = dict(fetched.state)
    every = DeparturesSettings().base_schedule_every
    assert requests == requests_per_run(runs, every) * len(TERMINI) == (7 + 2) * 6
