"""Departures: bundle of stations, per-station errors, token errors, 429, quota check, times."""

from __future__ import annotations

import time

import orjson
import pytest
from aiohttp import web
from fake_upstream import FIXTURES, Upstream, app_settings, context, reply
from pydantic import ValidationError

from collector.http import HttpClient
from collector.plugin import Invalid, SourceError
from sources.departures import SOURCE
from sources.departures.parse import parse
from sources.departures.records import Departure
from sources.departures.settings import TERMINI, DeparturesSettings

SAMPLE = (FIXTURES / "navitia_departures_sample.json").read_bytes()
TOKEN = "s3cr3t-t0ken"
UNKNOWN = b'{"error": {"id": "unknown_object", "message": "Invalid id : stop_area:SNCF:87271007"}}'


def path(stop_area: str) -> str:
    return f"/v1/coverage/sncf/stop_areas/{stop_area}/departures"


def serve_all(upstream: Upstream, body: bytes = SAMPLE) -> None:
    for stop_area in TERMINI:
        upstream.routes[path(stop_area)] = reply(body)


async def test_one_payload_bundles_every_station(upstream: Upstream, http: HttpClient) -> None:
    serve_all(upstream)
    ctx = context(http, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    # The first run asks the base schedule too (cancelled trains): two boards per station.
    assert ctx.http.stats.requests == 12
    assert [s.path for s in upstream.seen] == [path(s) for s in TERMINI] * 2
    first, base = upstream.seen[0], upstream.seen[6]
    assert first.headers["Authorization"] == TOKEN
    # Two hours ahead: the departures analytics' lead.
    assert first.query == {"data_freshness": "realtime", "duration": "7200", "count": "200"}
    assert base.query == {**first.query, "data_freshness": "base_schedule"}
    bundle = orjson.loads(fetched.payload)
    # The realtime answers at the top, as before; the base schedule ones under their key.
    assert list(bundle) == [*TERMINI, "base_schedule"]
    assert list(bundle["base_schedule"]) == list(TERMINI)
    assert fetched.payload.startswith(b'{"stop_area:SNCF:87686006":' + SAMPLE[:50])
    assert fetched.state == {"runs_since_base_schedule": "0"}
    departures = [d for d in parse(fetched.payload) if isinstance(d, Departure)]
    assert len(departures) == 60  # the base board adds no train: none is cancelled in it
    assert departures[0].entity_id.endswith("@stop_area:SNCF:87686006")


async def test_the_base_schedule_is_asked_every_n_runs(
    upstream: Upstream, http: HttpClient
) -> None:
    serve_all(upstream)
    app = app_settings(upstream, sncf_token=TOKEN)
    settings = DeparturesSettings(base_schedule_every=3)
    state: dict[str, str] = {}
    boards = []
    for _ in range(7):
        ctx = context(http, app, settings, state=state)
        fetched = await SOURCE.fetch(ctx)
        assert fetched is not None
        boards.append(fetched.meta["boards"])
        asked = "base_schedule" in orjson.loads(fetched.payload)
        assert asked == fetched.meta["boards"].endswith(",base_schedule")
        state = dict(fetched.state)
    with_base = "realtime,base_schedule"
    assert boards == [with_base, "realtime", "realtime"] * 2 + [with_base]
    assert len(upstream.seen) == 7 * 6 + 3 * 6
    only_base = DeparturesSettings(data_freshness="base_schedule")
    fetched = await SOURCE.fetch(context(http, app, only_base))
    assert fetched is not None and fetched.meta["boards"] == "base_schedule"
    assert list(orjson.loads(fetched.payload)) == list(TERMINI)  # that board alone, at the top


async def test_a_failing_station_does_not_sink_the_others(
    upstream: Upstream, http: HttpClient
) -> None:
    serve_all(upstream)
    upstream.routes[path("stop_area:SNCF:87271007")] = reply(UNKNOWN, status=404)
    ctx = context(http, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    assert fetched.meta["failed"] == "stop_area:SNCF:87271007"
    assert orjson.loads(fetched.payload)["stop_area:SNCF:87271007"] == orjson.loads(UNKNOWN)
    items = list(parse(fetched.payload))
    assert sum(isinstance(i, Departure) for i in items) == 50
    (invalid,) = [i for i in items if isinstance(i, Invalid)]
    assert invalid.reason.startswith("stop_area:SNCF:87271007: unknown_object")


async def test_an_unreachable_station_is_recorded_and_the_others_land(
    upstream: Upstream, http: HttpClient
) -> None:
    serve_all(upstream)
    down = b'{"message": "Service Unavailable"}'
    upstream.routes[path("stop_area:SNCF:87271007")] = reply(down, status=503)
    ctx = context(http, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
    fetched = await SOURCE.fetch(ctx)
    assert fetched is not None
    assert fetched.meta["failed"] == "stop_area:SNCF:87271007"
    error = orjson.loads(fetched.payload)["stop_area:SNCF:87271007"]["error"]
    assert error["id"] == "unreachable" and "503" in error["message"]
    items = list(parse(fetched.payload))
    assert sum(isinstance(i, Departure) for i in items) == 50

    for stop_area in TERMINI:  # every station down: the run fails, nothing to store
        upstream.routes[path(stop_area)] = reply(down, status=503)
    with pytest.raises(SourceError, match="every station failed"):
        await SOURCE.fetch(
            context(http, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
        )


@pytest.mark.parametrize("status", [401, 403])
async def test_token_refused_fails_the_run_without_showing_it(
    upstream: Upstream, http: HttpClient, status: int
) -> None:
    body = b'{"message": "You are not authorized to access this resource"}'
    upstream.routes[path("stop_area:SNCF:87686006")] = reply(body, status=status)
    ctx = context(http, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
    with pytest.raises(SourceError) as caught:
        await SOURCE.fetch(ctx)
    assert caught.value.status == status
    assert "refused the token" in str(caught.value)
    assert "PARIS_SNCF_TOKEN" in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_429_honours_retry_after(upstream: Upstream, http: HttpClient) -> None:
    serve_all(upstream)
    calls = 0

    async def busy_once(_: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls == 1:
            return web.json_response(
                {"message": "Too many requests"}, status=429, headers={"Retry-After": "1"}
            )
        return web.Response(body=SAMPLE, content_type="application/json")

    upstream.routes[path("stop_area:SNCF:87686006")] = busy_once
    patient = HttpClient(http.session, timeout=5, retries=1, backoff=0.01)
    ctx = context(patient, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
    start = time.monotonic()
    assert await SOURCE.fetch(ctx) is not None
    assert time.monotonic() - start >= 1.0
    assert ctx.http.stats.retries == 1

    calls = 0
    ctx = context(http, app_settings(upstream, sncf_token=TOKEN), DeparturesSettings())
    with pytest.raises(SourceError) as caught:  # no retry left: the scheduler must wait
        await SOURCE.fetch(ctx)
    assert caught.value.status == 429
    assert caught.value.retry_after == 1.0


def test_no_token_disables_the_source(upstream: Upstream) -> None:
    assert SOURCE.disabled_reason is not None
    reason = SOURCE.disabled_reason(app_settings(upstream), DeparturesSettings())
    assert reason is not None
    assert "PARIS_SNCF_TOKEN" in reason
    assert SOURCE.disabled_reason(app_settings(upstream, sncf_token=TOKEN), None) is None


def test_quota_is_checked_at_startup() -> None:
    DeparturesSettings()  # 6 stations every 180 s, base schedule every 5 runs: 3,456 a day
    DeparturesSettings(interval=150)  # (576 + 116) x 6 = 4,152 a day, 128,712 a month
    DeparturesSettings(interval=120, base_schedule_every=1_000)  # (720 + 1) x 6 = 4,326
    with pytest.raises(ValidationError, match=r"10,368 requests per day, above daily_quota=5,000"):
        DeparturesSettings(interval=60)  # (1,440 + 288) x 6
    with pytest.raises(ValidationError, match=r"\(\+ base schedule every 1 runs\)"):
        DeparturesSettings(base_schedule_every=1)  # (480 + 480) x 6 = 5,760 a day
    DeparturesSettings(base_schedule_every=1, interval=240)  # 4,320 a day, 133,920 a month
    with pytest.raises(ValidationError, match="monthly_quota"):
        DeparturesSettings(interval=128)  # (675 + 135) x 6 = 4,860 a day, 150,660 a month
    DeparturesSettings(interval=129)  # (670 + 134) x 6 = 4,824 a day, 149,544 a month
    with pytest.raises(ValidationError, match="at least 120"):
        DeparturesSettings(duration_minutes=60)  # the analytics' last hour would be empty
    with pytest.raises(ValidationError, match="not a Navitia stop area"):
        DeparturesSettings(stop_areas=["87686006"])
    DeparturesSettings(interval=30, daily_quota=25_000, monthly_quota=750_000)


def _one(base: str, realtime: str | None) -> bytes:
    answer = orjson.loads(SAMPLE)
    departure = answer["departures"][0]
    departure["stop_date_time"]["base_departure_date_time"] = base
    if realtime is None:
        del departure["stop_date_time"]["departure_date_time"]
    else:
        departure["stop_date_time"]["departure_date_time"] = realtime
    answer["departures"] = [departure]
    return orjson.dumps({"stop_area:SNCF:87686006": answer})


@pytest.mark.parametrize(
    ("base", "realtime", "utc", "delay"),
    [
        ("20250115T235500", "20250116T000700", "2025-01-15T22:55:00+00:00", 12.0),  # CET
        ("20250701T120000", "20250701T115900", "2025-07-01T10:00:00+00:00", -1.0),  # CEST
        ("20251026T023000", "20251026T023000", "2025-10-26T00:30:00+00:00", 0.0),  # ambiguous
        ("20250330T013000", None, "2025-03-30T00:30:00+00:00", None),
    ],
)
def test_local_times_become_utc(base: str, realtime: str | None, utc: str, delay: float) -> None:
    (departure,) = parse(_one(base, realtime))
    assert isinstance(departure, Departure)
    assert departure.observed_at.isoformat() == utc
    assert departure.base_departure.isoformat() == utc
    assert departure.delay_minutes == delay


def test_unreadable_base_time_is_set_aside() -> None:
    (item,) = parse(_one("2025-01-15 23:55", "20250116T000700"))
    assert isinstance(item, Invalid)
    assert "observed_at" in item.reason
