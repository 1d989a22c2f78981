"""Traffic fetch against a real local server: change check, incremental where, broken exports."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from fake_upstream import Handler, Upstream, app_settings, context, reply

from collector.http import HttpClient
from collector.plugin import Invalid, Record, SourceError
from sources.traffic import SOURCE
from sources.traffic.settings import TrafficSettings

BASE = "/api/explore/v2.1/catalog/datasets/comptages-routiers-permanents"
CASE = Path(__file__).parents[2] / "sources/traffic/testcases/hour_with_quirks"
GOLDEN = orjson.loads((CASE / "payload.json").read_bytes())
COUNTS = orjson.dumps(GOLDEN["counts"], option=orjson.OPT_INDENT_2)
ARCS = orjson.dumps(GOLDEN["arcs"])
HOURS = ("2025-11-04T19:00:00+00:00", "2025-11-04T20:00:00+00:00")
NOW = datetime(2025, 11, 5, 2, 0, tzinfo=UTC)
_AFTER = re.compile(r"t_1h > date'([^']+)'")


def change_check(hours: tuple[str, ...]) -> Handler:
    """``/records`` aggregates as Opendatasoft computes them over the published ``hours``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        found = _AFTER.search(request.query.get("where", ""))
        after = datetime.fromisoformat(found[1]).replace(tzinfo=UTC) if found else None
        kept = sorted(h for h in hours if after is None or datetime.fromisoformat(h) > after)
        row: dict[str, str | None] = {}
        for part in request.query["select"].split(","):
            func, alias = part.strip().split(" as ")
            row[alias] = (min if func.startswith("min") else max)(kept) if kept else None
        return web.json_response({"total_count": 1, "results": [row]})

    return handler


def serve(upstream: Upstream, hours: tuple[str, ...] = HOURS, counts: bytes = COUNTS) -> None:
    exports = {"counts": counts, "arcs": ARCS}

    async def export(request: web.Request) -> web.StreamResponse:
        kind = "arcs" if "geo_shape" in request.query["select"] else "counts"
        return web.Response(body=exports[kind], content_type="application/json")

    upstream.routes[f"{BASE}/records"] = change_check(hours)
    upstream.routes[f"{BASE}/exports/json"] = export


def window(since: str, until: str) -> bytes:
    return b',"window":' + orjson.dumps({"since": since, "until": until}) + b"}"


async def test_first_run_backfills_and_fetches_arcs(upstream: Upstream, http: HttpClient) -> None:
    serve(upstream)
    ctx = context(http, app_settings(upstream), TrafficSettings(), now=NOW)
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    newest, check, counts, arcs = upstream.seen
    assert newest.query == {"select": "max(t_1h) as last", "limit": "1"}
    assert check.query == {
        "select": "min(t_1h) as first, max(t_1h) as last",
        "where": "t_1h > date'2025-11-03T20:00:00'",
        "timezone": "UTC",
        "limit": "1",
    }
    assert counts.query["where"] == (
        "t_1h > date'2025-11-03T20:00:00' and t_1h <= date'2025-11-04T20:00:00'"
    )
    assert "geo_shape" not in counts.query["select"]
    assert counts.query["timezone"] == "UTC"
    assert arcs.query["where"] == "t_1h = date'2025-11-04T20:00:00'"
    assert "geo_shape" in arcs.query["select"]
    assert "Authorization" not in counts.headers
    assert fetched.payload == (
        b'{"counts":'
        + COUNTS
        + b',"arcs":'
        + ARCS
        + window("2025-11-03T20:00:00+00:00", "2025-11-04T20:00:00+00:00")
    )
    assert fetched.state == {
        "watermark": "2025-11-04T20:00:00+00:00",
        "arcs_at": "2025-11-05T02:00:00+00:00",
    }
    assert fetched.expect_records
    assert fetched.meta["phantom_rows"] == "1"
    assert ctx.http.stats.requests == 4
    records = [r for r in SOURCE.parse(fetched.payload) if isinstance(r, Record)]
    assert len(records) == 8 + 3  # k = 150 is kept (flagged at ingest: tests/quality)


async def test_unchanged_tick_makes_only_the_change_check(
    upstream: Upstream, http: HttpClient
) -> None:
    serve(upstream)
    state = {"watermark": "2025-11-04T20:00:00+00:00", "arcs_at": "2025-11-01T00:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    assert await SOURCE.fetch(ctx) is None
    assert ctx.http.stats.requests == 1
    assert [s.path for s in upstream.seen] == [f"{BASE}/records"]
    assert upstream.seen[0].query["where"] == "t_1h > date'2025-11-04T20:00:00'"


async def test_incremental_tick_downloads_only_new_hours(
    upstream: Upstream, http: HttpClient
) -> None:
    serve(upstream)
    state = {"watermark": "2025-11-04T18:00:00+00:00", "arcs_at": "2025-11-04T12:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    assert len(upstream.seen) == 2  # arcs are 14 h old: kept
    assert upstream.seen[1].query["where"] == (
        "t_1h > date'2025-11-04T18:00:00' and t_1h <= date'2025-11-04T20:00:00'"
    )
    assert fetched.payload.endswith(
        b',"arcs":null' + window("2025-11-04T18:00:00+00:00", "2025-11-04T20:00:00+00:00")
    )
    assert fetched.state == {
        "watermark": "2025-11-04T20:00:00+00:00",
        "arcs_at": "2025-11-04T12:00:00+00:00",
    }


async def test_catch_up_is_capped_per_run_and_skips_a_gap(
    upstream: Upstream, http: HttpClient
) -> None:
    # Published: 2025-10-01 00:00, then nothing until the two golden hours (a month's gap).
    serve(upstream, hours=("2025-10-01T00:00:00+00:00", *HOURS))
    state = {"watermark": "2025-10-01T00:00:00+00:00", "arcs_at": "2025-11-05T00:00:00+00:00"}
    settings = TrafficSettings(max_hours_per_run=2)
    ctx = context(http, app_settings(upstream), settings, state=state, now=NOW)
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    # The window starts at the first hour the change check announced, whatever the gap.
    assert upstream.seen[1].query["where"] == (
        "t_1h > date'2025-10-01T00:00:00' and t_1h <= date'2025-11-04T20:00:00'"
    )
    assert fetched.state["watermark"] == "2025-11-04T20:00:00+00:00"


async def test_watermark_is_the_newest_hour_actually_downloaded(
    upstream: Upstream, http: HttpClient
) -> None:
    only_19h = orjson.dumps([r for r in GOLDEN["counts"] if r["t_1h"] != HOURS[1]])
    serve(upstream, counts=only_19h)
    state = {"watermark": "2025-11-04T18:00:00+00:00", "arcs_at": "2025-11-05T00:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    assert fetched.state["watermark"] == "2025-11-04T19:00:00+00:00"


@pytest.mark.parametrize(
    "body",
    [b"[]", b'[{"iu_ac": "*", "t_1h": null, "q": null, "k": null}]'],
    ids=["empty", "phantom-only"],
)
async def test_an_export_contradicting_the_change_check_fails(
    upstream: Upstream, http: HttpClient, body: bytes
) -> None:
    serve(upstream, counts=body)
    state = {"watermark": "2025-11-04T18:00:00+00:00", "arcs_at": "2025-11-05T00:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    with pytest.raises(SourceError, match=r"announced hours .* held no row .* watermark stays"):
        await SOURCE.fetch(ctx)


async def test_a_future_row_never_moves_the_watermark_past_the_window(
    upstream: Upstream, http: HttpClient
) -> None:
    future = {**GOLDEN["counts"][0], "t_1h": "2099-01-01T00:00:00+00:00"}
    # A misbehaving upstream: its change check sees the 2099 row, its export ignores the where.
    serve(
        upstream,
        hours=(*HOURS, "2099-01-01T00:00:00+00:00"),
        counts=orjson.dumps([*GOLDEN["counts"], future]),
    )
    state = {"watermark": "2025-11-04T18:00:00+00:00", "arcs_at": "2025-11-05T00:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    assert fetched.state["watermark"] == HOURS[1]
    parsed = list(SOURCE.parse(fetched.payload))
    set_aside = [p for p in parsed if isinstance(p, Invalid) and "2099" in p.reason]
    assert len(set_aside) == 1
    assert "after the hours asked for" in set_aside[0].reason
    assert not any(isinstance(p, Record) and p.observed_at.year == 2099 for p in parsed)
    # Once the real hours are in, a change check announcing only 2099 is nothing new.
    state["watermark"] = fetched.state["watermark"]
    upstream.seen.clear()
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    assert await SOURCE.fetch(ctx) is None
    assert [s.path for s in upstream.seen] == [f"{BASE}/records"]


@pytest.mark.parametrize(
    "body",
    [
        COUNTS[: len(COUNTS) // 2],
        COUNTS[:-1] + b"\nStreaming interrupted due to the following error: timeout\n]",
        b"",
    ],
    ids=["cut", "interrupted", "no-body"],
)
async def test_broken_export_fails_without_moving_the_watermark(
    upstream: Upstream, http: HttpClient, body: bytes
) -> None:
    serve(upstream, counts=body)
    state = {"watermark": "2025-11-04T18:00:00+00:00", "arcs_at": "2025-11-05T00:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    with pytest.raises(SourceError, match=r"truncated|interrupted"):
        await SOURCE.fetch(ctx)


async def test_connection_dropped_mid_export(upstream: Upstream, http: HttpClient) -> None:
    serve(upstream)

    async def drop(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "100000"})
        await response.prepare(request)
        await response.write(COUNTS[:500])
        assert request.transport is not None
        request.transport.close()
        return response

    upstream.routes[f"{BASE}/exports/json"] = drop
    state = {"watermark": "2025-11-04T18:00:00+00:00"}
    ctx = context(http, app_settings(upstream), TrafficSettings(), state=state, now=NOW)
    with pytest.raises(SourceError, match=r"mid-stream|failed"):
        await SOURCE.fetch(ctx)


async def test_upstream_error_and_apikey(upstream: Upstream, http: HttpClient) -> None:
    error = b'{"message": "Unknown field: t_1hh", "error_code": "ODSQLError"}'
    upstream.routes[f"{BASE}/records"] = reply(error, status=400)
    app = app_settings(upstream, opendata_apikey="k3y")
    ctx = context(http, app, TrafficSettings(), now=NOW)
    with pytest.raises(SourceError, match="ODSQLError: Unknown field"):
        await SOURCE.fetch(ctx)
    assert upstream.seen[0].headers["Authorization"] == "Apikey k3y"


async def test_empty_dataset_is_nothing_new(upstream: Upstream, http: HttpClient) -> None:
    serve(upstream, hours=())
    ctx = context(http, app_settings(upstream), TrafficSettings(), now=NOW)
    assert await SOURCE.fetch(ctx) is None
