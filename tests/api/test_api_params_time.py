"""Time parameters mean what a reader in Paris would mean.

A bare date is a Paris day (``until=2026-12-02`` is up to its last second), a date-time without
an offset is UTC, a ``+`` sent unencoded (a space once form-decoded) is read as ``+``,
``until`` alone never complains about a ``since`` that was not sent, and ``since`` after
``until`` is a 400 naming both.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from api_testkit import APP, CLOCK, NOW, World, get, ts
from chalicelib.params import parse_time

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "as_since", "as_until"),
    [
        # winter (UTC+1), summer (UTC+2), and the two days the clocks change
        ("2026-12-02", "2026-12-01T23:00:00Z", "2026-12-02T22:59:59Z"),
        ("2026-07-14", "2026-07-13T22:00:00Z", "2026-07-14T21:59:59Z"),
        ("2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T21:59:59Z"),
        ("2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T22:59:59Z"),
        # a date-time is what it says, UTC without an offset, whichever end it is
        ("2026-12-02T10:00:00", "2026-12-02T10:00:00Z", "2026-12-02T10:00:00Z"),
        ("2026-12-02T10:00:00+01:00", "2026-12-02T09:00:00Z", "2026-12-02T09:00:00Z"),
        # the same, its + form-decoded into a space
        ("2026-12-02T10:00:00 01:00", "2026-12-02T09:00:00Z", "2026-12-02T09:00:00Z"),
        ("2026-12-02T10:00 0100", "2026-12-02T09:00:00Z", "2026-12-02T09:00:00Z"),
        ("2026-12-02 10:00:00 02:00", "2026-12-02T08:00:00Z", "2026-12-02T08:00:00Z"),
        ("2026-12-02T10:00:00-01:00", "2026-12-02T11:00:00Z", "2026-12-02T11:00:00Z"),
    ],
)
def test_what_a_time_parameter_means(text: str, as_since: str, as_until: str) -> None:
    assert parse_time(text) == as_since
    assert parse_time(text, end_of_day=True) == as_until


def test_a_mangled_time_says_how_to_write_a_plus() -> None:
    with pytest.raises(ValueError, match="%2B"):
        parse_time("2026-12-02T10:00:00  01:00")


def paris_day(moment: datetime) -> tuple[str, str, str]:
    """The Paris date of ``moment``, and its first and last second as UTC keys."""
    day = moment.astimezone(PARIS).date()
    first = datetime.combine(day, time(), PARIS)
    last = datetime.combine(day, time(23, 59, 59), PARIS)
    return day.isoformat(), ts(first.astimezone(UTC)), ts(last.astimezone(UTC))


def observed(body: dict[str, Any]) -> list[str]:
    return [r["observed_at"] for r in body["data"]]


def test_a_bare_date_is_a_whole_paris_day(api: Any, world: World) -> None:
    day, first, last = paris_day(NOW - timedelta(hours=20))
    expected = [t for t in world.history["traffic#6228"] if first <= t <= last]
    assert expected, "the seeded hours cover part of that day"
    status, body, _ = get(api, f"/traffic/6228/history?since={day}&until={day}")
    assert status == 200, body
    assert observed(body) == expected
    # until alone: everything up to the day's last second, Paris time
    body = get(api, f"/traffic/6228/history?until={day}")[1]
    assert observed(body) == [t for t in world.history["traffic#6228"] if t <= last]


def test_an_unencoded_plus_is_understood(api: Any) -> None:
    moment = (NOW - timedelta(hours=3)).astimezone(timezone(timedelta(hours=1)))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    encoded = get(api, f"/traffic/6228/history?until={text}%2B01:00")
    for raw in (f"{text}+01:00", f"{text}%2001:00"):  # as typed, and as a form encodes it
        status, body, _ = get(api, f"/traffic/6228/history?until={raw}")
        assert status == 200, body
        assert body == encoded[1]
    assert encoded[1]["data"][0]["observed_at"] == ts(NOW - timedelta(hours=3))


@pytest.mark.parametrize(
    "path",
    [
        "/departures?until={early}",
        "/parkings/1/history?until={early}",
        "/aggregation_traffic_congestion_index?until={early}",
        "/traffic/6228/history?until=2000-01-01",
    ],
)
def test_until_alone_never_complains_about_since(api: Any, path: str) -> None:
    early = quote(ts(CLOCK - timedelta(hours=3, minutes=30)))
    status, body, _ = get(api, path.format(early=early))
    assert status == 200, body


def test_departures_until_alone_looks_back_an_hour_from_it(api: Any) -> None:
    # Intercités 3101 left 4 hours ago: the hour before until=-3h30 holds it.
    until = ts(CLOCK - timedelta(hours=3, minutes=30))
    body = get(api, f"/departures?until={until}")[1]
    assert [d["train_number"] for d in body["data"]] == ["3101"]
    # With a future until, the window still starts an hour ago.
    body = get(api, f"/departures?until={ts(CLOCK + timedelta(minutes=6))}")[1]
    assert [d["train_number"] for d in body["data"]] == ["8401", "9031"]


@pytest.mark.parametrize(
    "path",
    [
        "/departures?since=2025-11-04&until=2025-11-03",
        "/parkings/1/history?since=2025-11-04T10:00:00Z&until=2025-11-04T09:59:59Z",
        "/aggregation_departures_total?since=2025-11-05&until=2025-11-04T22:59:59Z",
    ],
)
def test_since_after_until_names_both(api: Any, path: str) -> None:
    status, body, _ = get(api, path)
    assert status == 400
    error = body["error"]
    assert error["parameter"] == "since"
    assert "since=" in error["message"] and "until=" in error["message"], error["message"]


def test_the_same_day_as_since_and_until_is_not_a_contradiction(api: Any) -> None:
    assert get(api, "/departures?since=2025-11-04&until=2025-11-04")[0] == 200


def test_the_document_says_what_a_date_means() -> None:
    from chalicelib.openapi import document

    assert APP.routes  # the routes are declared
    doc = document()
    for path in ("/parkings/{id}/history", "/departures", "/aggregation_departures_total"):
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        for name in ("since", "until"):
            text = params[name]["description"]
            assert "Europe/Paris" in text and "%2B" in text, (path, name)
        assert "its last" in params["until"]["description"]
