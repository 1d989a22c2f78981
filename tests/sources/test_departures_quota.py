"""The departures quota check and its advice agree: following the advice passes."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from sources.departures.settings import DeparturesSettings


def areas(count: int) -> list[str]:
    return [f"stop_area:SNCF:{87000000 + i}" for i in range(count)]


def refusal(**values: object) -> str:
    with pytest.raises(ValidationError) as info:
        DeparturesSettings.model_validate(values)
    return str(info.value)


@pytest.mark.parametrize("count", [1, 2, 5, 6, 7, 11, 13, 29])
@pytest.mark.parametrize(
    ("daily", "monthly"), [(5000, 150_000), (5000, 100_000), (3000, 150_000), (997, 29_999)]
)
def test_the_advised_interval_passes_and_is_the_smallest(
    count: int, daily: int, monthly: int
) -> None:
    values: dict[str, object] = {
        "stop_areas": areas(count),
        "daily_quota": daily,
        "monthly_quota": monthly,
    }
    message = refusal(**values, interval=1)
    found = re.search(r"set interval >= (\d+) s", message)
    assert found, message
    advised = int(found.group(1))
    settings = DeparturesSettings.model_validate({**values, "interval": advised})
    assert settings.interval == advised
    # One second less is refused: the advice is not merely safe but the floor.
    refusal(**values, interval=advised - 1)


def test_with_the_default_quotas_the_daily_advice_also_fits_the_month() -> None:
    # 60 s: above the daily quota; a daily-only floor (104 s) would break the monthly one.
    message = refusal(interval=60)
    assert "8,640 requests per day, above daily_quota=5,000: set interval >= 108 s" in message
    DeparturesSettings(interval=108)
    refusal(interval=104)


def test_when_no_interval_fits_it_says_how_many_stop_areas_do() -> None:
    message = refusal(stop_areas=areas(7), daily_quota=100, monthly_quota=155)
    assert "poll at most 5 stop areas" in message  # 155 // 31
    DeparturesSettings(stop_areas=areas(5), daily_quota=100, monthly_quota=155, interval=86_400)
