"""Long-range reads from the lake: series by Paris calendar bucket, a typical day against
today, and hour-of-week means, over gold and silver folded in by the lake writer."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from collector import keys
from collector.lake.service import Lake as LakeService
from collector.plugin import Aggregation, Inputs, Window
from collector.settings import Settings
from collector.storage import make_store
from collector.storage.base import GoldPoint
from readlayer import lake

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 24)  # a Tuesday


class Level(BaseModel):
    level: float | None


def _compute(inputs: Inputs, window: Window) -> Level:
    raise AssertionError("not run here")


LEVELS = Aggregation(
    name="test_levels",
    description="a level per hour",
    inputs=(),
    interval=timedelta(hours=1),
    window=timedelta(hours=1),
    output=Level,
    compute=_compute,
)


def _value(local: datetime) -> float:
    """Tuesdays: 10 x the hour, other days 1 x; today one more than a usual Tuesday."""
    base = local.hour * (10.0 if local.weekday() == 1 else 1.0)
    return base + (1.0 if local.date() == TODAY else 0.0)


@pytest.fixture
def seeded(tmp_path: Path) -> Settings:
    settings = Settings(_env_file=None, storage="local", data_dir=tmp_path / "data")  # type: ignore[call-arg]
    start = datetime(2026, 10, 1, tzinfo=UTC)
    end = datetime.combine(TODAY, datetime.min.time(), PARIS).astimezone(UTC) + timedelta(days=1)

    async def seed() -> None:
        async with make_store(settings) as store:
            await store.init()
            moment = start
            while moment <= end:
                local = (moment - timedelta(hours=1)).astimezone(PARIS)  # the hour it covers
                point = GoldPoint(
                    aggregation="test_levels",
                    window_start=keys.ts(moment - timedelta(hours=1)),
                    window_end=keys.ts(moment),
                    ran_at=keys.ts(moment),
                    data={"level": _value(local)},
                )
                await store.put_gold(point, expires_at=int(end.timestamp()) + 10**8)
                moment += timedelta(hours=1)
            flushed = await LakeService(settings, store).flush([], [LEVELS])
            assert flushed.ok, flushed.failures

    asyncio.run(seed())
    return settings


def test_typical_day_sets_today_against_the_same_weekday(seeded: Settings) -> None:
    reader = lake.Lake.open(seeded)
    rows = lake.typical_day(reader, "test_levels", "level", day=TODAY, weeks=4)
    assert [r["hour"] for r in rows] == list(range(24))
    for row in rows:
        assert row["median"] == pytest.approx(10.0 * row["hour"])  # usual Tuesdays
        assert row["value"] == pytest.approx(10.0 * row["hour"] + 1)  # today
        assert row["days"] == 4
    every_day = lake.typical_day(reader, "test_levels", "level", day=TODAY, same_weekday=False)
    assert every_day[5]["median"] == pytest.approx(5.0)  # six days out of seven at 1 x


def test_series_by_paris_day_and_month(seeded: Settings) -> None:
    reader = lake.Lake.open(seeded)
    since = datetime(2026, 10, 31, 23, tzinfo=UTC)  # Nov 1st, 00:00 in Paris
    until = datetime(2026, 11, 2, 23, tzinfo=UTC)
    days = lake.series(reader, "test_levels", "level", since=since, until=until, bucket="day")
    assert [d["at"] for d in days] == [
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        datetime(2026, 11, 1, 23, tzinfo=UTC),
    ]
    assert all(d["points"] == 24 for d in days)  # Paris days, not UTC days
    months = lake.series(
        reader,
        "test_levels",
        "level",
        since=datetime(2026, 9, 1, tzinfo=UTC),
        until=since,
        bucket="month",
    )
    assert len(months) == 1 and months[0]["at"] == datetime(2026, 9, 30, 22, tzinfo=UTC)
    with pytest.raises(ValueError, match="bucket"):
        lake.series(reader, "test_levels", "level", since=since, until=until, bucket="year")


def test_an_unknown_table_answers_empty_and_no_lake_is_named(
    seeded: Settings, tmp_path: Path
) -> None:
    reader = lake.Lake.open(seeded)
    assert (
        lake.series(
            reader,
            "nope",
            "x",
            since=datetime(2026, 1, 1, tzinfo=UTC),
            until=datetime(2026, 2, 1, tzinfo=UTC),
        )
        == []
    )
    empty = Settings(_env_file=None, storage="local", data_dir=tmp_path / "none")  # type: ignore[call-arg]
    with pytest.raises(lake.LakeUnavailable, match="no lake"):
        lake.Lake.open(empty)
    assert not (tmp_path / "none").exists()


def test_numeric_fields_and_the_newest_point(seeded: Settings) -> None:
    reader = lake.Lake.open(seeded)
    # The output model's numeric field; the window's times are no field to average.
    assert lake.numeric_fields(reader, "test_levels") == ["level"]
    assert lake.numeric_fields(reader, "nope") == []
    end = datetime.combine(TODAY, datetime.min.time(), PARIS).astimezone(UTC) + timedelta(days=1)
    assert lake.newest(reader, "test_levels") == end  # the last window_end seeded
    assert lake.newest(reader, "nope") is None
