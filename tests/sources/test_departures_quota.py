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


def advice(**values: object) -> int:
    found = re.search(r"set interval >= (\d+) s", refusal(interval=1, **values))
    assert found
    return int(found.group(1))


def test_the_advice_counts_the_base_schedule_requests() -> None:
    floors = []
    for every in (1, 2, 5, 7, 1_000):
        advised = advice(base_schedule_every=every)
        DeparturesSettings(interval=advised, base_schedule_every=every)
        refusal(interval=advised - 1, base_schedule_every=every)
        floors.append(advised)
    # The base schedule every run doubles the requests; rarer, the floor falls towards the
    # realtime-only one (108 s).
    assert floors == [215, 161, 129, 123, 108]  # e.g. 2 x 403 runs <= 150,000 // (31 x 6)
    assert advice(data_freshness="base_schedule") == 108


def test_with_the_default_quotas_the_daily_advice_also_fits_the_month() -> None:
    # 60 s: above the daily quota; a daily-only floor (125 s) would break the monthly one.
    message = refusal(interval=60)
    assert "10,368 requests per day, above daily_quota=5,000: set interval >= 129 s" in message
    DeparturesSettings(interval=129)
    refusal(interval=125)
    # Without the realtime board, one request per stop area and run, as before.
    DeparturesSettings(interval=108, data_freshness="base_schedule")
    refusal(interval=107, data_freshness="base_schedule")


def test_when_no_interval_fits_it_says_how_many_stop_areas_do() -> None:
    message = refusal(stop_areas=areas(7), daily_quota=100, monthly_quota=155)
    # 155 // 31 = 5 requests a day, 2 per stop area (realtime + base schedule)
    assert "poll at most 2 stop areas" in message
    DeparturesSettings(stop_areas=areas(2), daily_quota=100, monthly_quota=155, interval=86_400)
    refusal(stop_areas=areas(3), daily_quota=100, monthly_quota=155, interval=86_400)
