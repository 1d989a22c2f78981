"""One staleness rule and one set of labels; enabled from the daemon's record first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from readlayer.catalogue import Catalogue, SourceInfo
from readlayer.status import (
    LABELS,
    STALE_AFTER_INTERVALS,
    SourceState,
    is_stale,
    judge,
    source_status,
)

NOW = datetime(2025, 11, 4, 18, 0, tzinfo=UTC)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def info(name: str = "parking", interval_s: int = 120, disabled: str | None = None) -> SourceInfo:
    return SourceInfo(
        name=name, description="", interval_s=interval_s, licence="ODbL", attribution="x",
        datasets=(name,), disabled=disabled,
    )  # fmt: skip


def ran(success_ago: timedelta | None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"last_run_at": ts(NOW - timedelta(seconds=5)), **extra}
    if success_ago is not None:
        state["last_success_at"] = ts(NOW - success_ago)
    return state


@pytest.mark.parametrize(
    ("ago_s", "stale"),
    [(0, False), (299, False), (300, False), (301, True), (10_000, True)],
)
def test_stale_after_two_and_a_half_intervals(ago_s: int, stale: bool) -> None:
    assert STALE_AFTER_INTERVALS * 120 == 300
    assert is_stale(ts(NOW - timedelta(seconds=ago_s)), 120, NOW) is stale
    judged = source_status("parking", info(), ran(timedelta(seconds=ago_s)), NOW)
    assert (judged.stale, judged.label) == (stale, "stale" if stale else "ok")


@pytest.mark.parametrize("value", [None, "", "yesterday", 12])
def test_no_or_an_unreadable_success_time_is_stale(value: Any) -> None:
    assert is_stale(value, 120, NOW) is True


def test_labels_in_order_of_precedence() -> None:
    cases = {
        "disabled": ran(None, consecutive_failures=4, enabled=False, disabled_reason="off"),
        "never_run": {},
        "failing": ran(timedelta(seconds=10), consecutive_failures=2, last_error="HTTP 503"),
        "stale": ran(timedelta(hours=1)),
        "ok": ran(timedelta(seconds=10), consecutive_failures=0),
    }
    judged = {label: source_status("parking", info(), state, NOW) for label, state in cases.items()}
    assert {label: j.label for label, j in judged.items()} == {label: label for label in cases}
    assert set(cases) == set(LABELS)
    assert judged["failing"].detail == "2 failed run(s): HTTP 503"
    assert judged["disabled"].disabled_reason == "off"


def test_the_daemons_record_wins_over_the_readers_settings() -> None:
    # The reader has no token (its settings say disabled); the daemon has one and runs it.
    no_token = info("departures", 180, disabled="no SNCF API token")
    running = source_status("departures", no_token, ran(timedelta(minutes=1), enabled=True), NOW)
    assert (running.enabled, running.label) == (True, "ok")
    # The reader's settings say it runs; the daemon switched it off.
    off = ran(None, enabled=False, disabled_reason="switched off (ENABLED=false)")
    judged = source_status("parking", info(), off, NOW)
    assert (judged.label, judged.disabled_reason) == ("disabled", "switched off (ENABLED=false)")


def test_the_readers_settings_only_before_the_daemon_ever_ran() -> None:
    no_token = info("departures", 180, disabled="no SNCF API token")
    never = source_status("departures", no_token, {}, NOW)
    assert (never.label, never.detail) == ("disabled", "no SNCF API token")
    # An older daemon that ran it without recording its switches: it runs.
    legacy = source_status("departures", no_token, ran(timedelta(minutes=1)), NOW)
    assert (legacy.enabled, legacy.label) == (True, "ok")
    # Recorded as enabled but not run yet.
    waiting = source_status("departures", no_token, {"enabled": True}, NOW)
    assert waiting.label == "never_run"


def test_a_state_of_wrong_types_reads_as_missing() -> None:
    state = SourceState.from_saved(
        {"enabled": "yes", "consecutive_failures": True, "records_total": 12, "last_run_at": 5}
    )
    assert state == SourceState(records_total=12)
    judged = source_status("parking", info(), {"consecutive_failures": "many"}, NOW)
    assert judged.label == "never_run"


def test_the_run_outcomes_empty_and_missing_are_kept() -> None:
    for outcome in ("empty", "missing"):
        judged = source_status(
            "parking", info(), ran(timedelta(seconds=5), last_status=outcome), NOW
        )
        assert judged.state.last_status == outcome


def test_judge_lists_installed_and_retired_sources() -> None:
    catalogue = Catalogue(sources={"parking": info()})
    saved = {"retired": ran(timedelta(days=3))}
    assert [(j.name, j.label) for j in judge(catalogue, saved, NOW)] == [
        ("parking", "never_run"),
        ("retired", "stale"),
    ]
    assert [j.name for j in judge(catalogue, saved, NOW, installed_only=True)] == ["parking"]


def test_api_and_dashboard_give_the_same_verdict() -> None:
    from dashboard import data

    catalogue = Catalogue(
        sources={"parking": info(), "departures": info("departures", 180, disabled="no token")}
    )
    saved = {"parking": ran(timedelta(minutes=10)), "departures": {}}
    labels = {j.name: j.label for j in judge(catalogue, saved, NOW)}
    assert {f.source: f.status for f in data.judge(catalogue, saved, NOW)} == labels
    assert labels == {"departures": "disabled", "parking": "stale"}
