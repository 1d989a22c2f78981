"""``/completeness``, ``/completeness/{source}`` and ``/completeness/{source}/entities`` on both
backends: the read layer's entries, paged; 404 and 400 in the error envelope; listed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from api_testkit import World, get
from chalicelib import context
from chalicelib.completeness import DEFAULT_HOURS

from collector import keys
from collector.storage import make_store
from readlayer import completeness as ledger
from tests.readlayer.completeness_seed import SLOTS, SeededLedger, seed_ledger

SOURCES = ("parking", "traffic")


@pytest.fixture
def seeded(api: Any, world: World) -> SeededLedger:
    """The ledger of two sources in the world's store (written again by each test: other
    packages may reset the moto server in between)."""

    async def write() -> SeededLedger:
        async with make_store(world.settings) as store:
            return await seed_ledger(store, context.catalog(), datetime.now(UTC), sources=SOURCES)

    return asyncio.run(write())


def span(seeded: SeededLedger) -> str:
    return f"since={quote(keys.ts(seeded.since))}&until={quote(keys.ts(seeded.until))}"


def expected(seeded: SeededLedger, source: str | None = None) -> list[dict[str, Any]]:
    """What the read layer answers for the same store and range."""
    return ledger.completeness(
        context.reader(), context.catalog(), source=source, since=seeded.since,
        until=seeded.until, now=datetime.now(UTC),
    )  # fmt: skip


def test_one_source_is_the_read_layers_ledger(api: Any, seeded: SeededLedger) -> None:
    status, body, headers = get(api, f"/completeness/traffic?{span(seeded)}")
    assert status == 200, body
    assert body["data"] == expected(seeded, "traffic")
    assert [r["state"] for r in body["data"]] == list(seeded.states["traffic"].values())
    assert len(body["data"]) == SLOTS and body["meta"]["total"] == SLOTS
    assert body["meta"]["sources"] == ["traffic"]
    assert (
        body["meta"]["freshness"]["interval_s"] == context.catalog().sources["traffic"].interval_s
    )
    assert "Ville de Paris" in body["meta"]["attribution"]
    assert headers["Cache-Control"].startswith("public, max-age=")
    same = get(api, f"/completeness?source=traffic&{span(seeded)}")[1]
    assert same["data"] == body["data"]


def test_every_enabled_source_by_source_then_slot(api: Any, seeded: SeededLedger) -> None:
    status, body, _ = get(api, f"/completeness?{span(seeded)}&limit=5000")
    assert status == 200, body
    rows = body["data"]
    assert rows == expected(seeded)
    assert set(SOURCES) <= {r["source"] for r in rows}
    assert rows == sorted(rows, key=lambda r: (r["source"], r["slot_start"]))
    enabled = ledger.ledger_sources(context.catalog(), context.reader().states())
    assert body["meta"]["sources"] == enabled
    assert body["meta"]["freshness"] is None  # several sources: no single freshness


def test_pages_follow_each_other(api: Any, seeded: SeededLedger) -> None:
    whole = get(api, f"/completeness?{span(seeded)}&limit=5000")[1]["data"]
    seen: list[dict[str, Any]] = []
    token = None
    while True:
        path = f"/completeness?{span(seeded)}&limit=5" + (f"&next={token}" if token else "")
        body = get(api, path)[1]
        assert body["meta"]["count"] <= 5 and body["meta"]["total"] == len(whole)
        seen += body["data"]
        token = body["meta"]["next"]
        if token is None:
            break
    assert seen == whole
    first = get(api, f"/completeness?{span(seeded)}&limit=5")[1]["meta"]["next"]
    status, error, _ = get(api, f"/completeness/traffic?{span(seeded)}&next={first}")
    assert status == 400 and error["error"]["parameter"] == "next"


def test_missing_slots_are_filled(api: Any, seeded: SeededLedger) -> None:
    rows = get(api, f"/completeness/parking?{span(seeded)}")[1]["data"]
    missing = [r for r in rows if r["state"] == "missing"]
    assert [r["slot_start"] for r in missing] == [
        start for start, state in seeded.states["parking"].items() if state == "missing"
    ]
    assert all(r["received"] == 0 and r["payloads"] == 0 and r["records"] == 0 for r in missing)


def test_the_default_range_is_the_last_day(api: Any, seeded: SeededLedger) -> None:
    # Parking: its slots are due within minutes, so the seeded ones are in the last day.
    status, body, _ = get(api, "/completeness/parking")
    assert status == 200
    starts = [keys.parse_ts(r["slot_start"]) for r in body["data"]]
    now = datetime.now(UTC)
    slot = ledger.slot_rule(context.catalog().sources["parking"]).slot
    assert starts and min(starts) >= now - timedelta(hours=DEFAULT_HOURS) - slot
    assert max(starts) <= now
    assert set(seeded.states["parking"]) <= {r["slot_start"] for r in body["data"]}
    until = keys.ts(seeded.until)
    earlier = get(api, f"/completeness/parking?until={quote(until)}")[1]["data"]
    first = keys.parse_ts(earlier[0]["slot_start"])
    assert first >= seeded.until - timedelta(hours=DEFAULT_HOURS) - slot


@pytest.mark.parametrize(
    "path",
    ["/completeness/nope", "/completeness?source=nope", "/completeness/nope/entities"],
)
def test_an_unknown_source_is_a_404(api: Any, path: str) -> None:
    status, body, _ = get(api, path)
    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert body["error"]["parameter"] == "source"
    assert "no source 'nope'" in body["error"]["message"] and "traffic" in body["error"]["message"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("since=2026-12-02T10:00:00Z&until=2026-12-01T10:00:00Z", "since"),
        ("since=yesterday", "since"),
        ("limit=0", "limit"),
        ("sorce=traffic", "sorce"),
        ("since=2000-01-01", "since"),  # decades of 2-minute slots: too many
    ],
)
def test_bad_parameters_are_a_400(api: Any, query: str, parameter: str) -> None:
    status, body, _ = get(api, f"/completeness/parking?{query}")
    assert status == 400, body
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["parameter"] == parameter


def test_reporting_rates_of_each_entity(api: Any, seeded: SeededLedger) -> None:
    status, body, _ = get(api, "/completeness/traffic/entities")
    assert status == 200, body
    rows = body["data"]
    assert rows == ledger.reporting_rates(context.reader(), "traffic")
    assert {r["entity_id"] for r in rows} == set(seeded.rates["traffic"])
    never = get(api, "/completeness/traffic/entities?never=true")[1]["data"]
    assert never == [r for r in rows if r["last_reported"] is None] != []
    assert get(api, "/completeness/traffic/entities?never=false")[1]["data"] == rows
    paged: list[dict[str, Any]] = []
    token = None
    while True:
        path = "/completeness/traffic/entities?limit=7" + (f"&next={token}" if token else "")
        page = get(api, path)[1]
        paged += page["data"]
        token = page["meta"]["next"]
        if token is None:
            break
    assert paged == rows
    assert get(api, "/completeness/traffic/entities?never=maybe")[0] == 400


def test_listed_in_the_index_and_the_document(api: Any) -> None:
    routes = {r["path"] for r in get(api, "/")[1]["data"]["routes"]}
    wanted = {"/completeness", "/completeness/{source}", "/completeness/{source}/entities"}
    assert wanted <= routes
    doc = get(api, "/openapi.json")[1]
    assert wanted <= set(doc["paths"])
    slot = doc["components"]["schemas"]["CompletenessSlot"]
    assert slot["properties"]["state"]["enum"] == list(ledger.STATE_LIST)
    assert {"source", "slot_start", "slot_end", "expected", "received", "state"} <= set(
        slot["required"]
    )
    for path in wanted:
        assert "404" in doc["paths"][path]["get"]["responses"]
    assert api.get("/docs").status_code == 200
