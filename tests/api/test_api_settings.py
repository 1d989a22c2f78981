"""Settings the API reads itself: the API key switch; facts it keeps in step with the plugins."""

from __future__ import annotations

from typing import get_args

import pytest
from api_testkit import APP
from chalicelib import context, traffic
from chalicelib.catalog import ConfigError

from sources.traffic.records import TrafficState


@pytest.mark.parametrize(
    ("value", "required"),
    [("", False), ("false", False), ("0", False), ("true", True), ("YES", True)],
)
def test_api_key_switch(monkeypatch: pytest.MonkeyPatch, value: str, required: bool) -> None:
    monkeypatch.setenv(context.API_KEY_ENV, value)
    assert context.api_key_required() is required


def test_bad_api_key_switch_stops_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(context.API_KEY_ENV, "maybe")
    with pytest.raises(ConfigError, match="PARIS_API_KEY_REQUIRED"):
        context.api_key_required()


def test_no_api_key_by_default_and_cors_everywhere() -> None:
    for methods in APP.routes.values():
        assert methods["GET"].api_key_required is False
        assert methods["GET"].cors.allow_origin == "*"


def test_traffic_states_match_the_record_model() -> None:
    assert get_args(TrafficState) == traffic.STATES
