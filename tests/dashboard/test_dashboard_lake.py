"""Long ranges from the lake: trends by hour, day and week, today against the usual day, the
car parks' hour-of-week profile, and what the pages say with no lake (Streamlit's AppTest).

The lake is seeded the daemon's way (:mod:`tests.dashboard.lake_seed`): weeks of gold points
and of car-park bundles in bronze, folded in by the lake writer."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import buckets, data
from dashboard.time_range import BY_LABEL
from tests.dashboard import lake_seed
from tests.dashboard.conftest import RunPage
from tests.dashboard.seed import HOURS, Seeded

PARIS = lake_seed.PARIS


def values(array: Any) -> list[Any]:
    """A figure's array, plain or as plotly's typed ``{"dtype", "bdata"}`` encoding."""
    if isinstance(array, dict):
        return list(np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]))
    return list(array)


def figure(at: AppTest, title: str) -> dict[str, Any]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    found = [s for s in specs if s["layout"]["title"]["text"].replace("<br>", " ") == title]
    assert len(found) == 1, [s["layout"]["title"]["text"] for s in specs]
    return found[0]


def traces(fig: dict[str, Any]) -> dict[str, list[Any]]:
    return {t["name"]: values(t["y"]) for t in fig["data"]}


def subtitle(fig: dict[str, Any]) -> str:
    return str(fig["layout"]["title"]["subtitle"]["text"]).replace("<br>", " ")


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def at_hour(now: datetime, hour: int) -> datetime:
    day = now.astimezone(PARIS)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def usual(now: datetime, pattern: Any, hour: int, step: float) -> tuple[float, float, float]:
    """p10, median and p90 of the seeded pattern at ``hour`` over weeks 1 to 8 (the seed adds
    ``step`` per week back: quantiles of 1..8 are 1.7, 4.5 and 7.3 steps)."""
    base = pattern(at_hour(now, hour), 0)
    return base + 1.7 * step, base + 4.5 * step, base + 7.3 * step


def test_the_traffic_page_sets_today_over_the_usual_band(
    run_page: RunPage, seeded: tuple[Path, Seeded]
) -> None:
    data_dir, info = seeded
    at = run_page("traffic", data_dir)
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    weekday = info.now.astimezone(PARIS).strftime("%A")
    fig = figure(at, f"Congestion today against a usual {weekday}")
    assert fig["layout"]["xaxis"]["title"]["text"] == "hour of the day (Paris)"
    assert "8 " + weekday + "s before" in subtitle(fig)
    drawn = traces(fig)
    assert set(drawn) == {"usual p90", "usual p10-p90", "usual median", "today"}
    assert all(len(v) == 24 for v in drawn.values())
    for hour in range(24):
        p10, median, p90 = usual(info.now, lake_seed.congestion, hour, 1.0)
        assert drawn["usual p10-p90"][hour] == pytest.approx(p10)
        assert drawn["usual median"][hour] == pytest.approx(median)
        assert drawn["usual p90"][hour] == pytest.approx(p90)
    # Today's hours the history covers are the pattern of this week (no step added).
    end = lake_seed.history_end(info.now, HOURS).astimezone(PARIS)
    today = [v for v in drawn["today"] if v is not None and v == v]
    assert today, "today's curve has the hot store's runs of today"
    for hour in range(end.hour if end.date() == info.now.astimezone(PARIS).date() else 0):
        assert drawn["today"][hour] == pytest.approx(
            lake_seed.congestion(at_hour(info.now, hour), 0)
        )


def test_the_parking_page_has_the_usual_day_and_the_hour_of_week_heatmap(
    run_page: RunPage, seeded: tuple[Path, Seeded]
) -> None:
    data_dir, info = seeded
    at = run_page("parking", data_dir)
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    weekday = info.now.astimezone(PARIS).strftime("%A")
    today = traces(figure(at, f"Occupancy today against a usual {weekday}"))
    for hour in (3, 14):
        p10, median, p90 = usual(info.now, lake_seed.occupancy, hour, 0.01)
        assert today["usual median"][hour] == pytest.approx(median)
        assert today["usual p10-p90"][hour] == pytest.approx(p10)
        assert today["usual p90"][hour] == pytest.approx(p90)

    heatmap = figure(at, "Car park occupancy by hour of the week")
    (cells,) = heatmap["data"]
    assert cells["type"] == "heatmap"
    z = [values(row) for row in cells["z"]]
    assert len(z) == 7 and all(len(row) == 24 for row in z)  # Monday to Sunday x 24 hours
    assert all(v is not None for row in z for v in row)  # four weeks fill every hour
    assert values(cells["y"]) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert z[1][14] > z[1][3]  # busier on a Tuesday afternoon than in the night
    assert z[1][14] > z[6][14]  # and than on a Sunday afternoon
    assert min(min(row) for row in z) >= 0 and max(max(row) for row in z) <= 1
    assert "last 4 weeks" in subtitle(heatmap)

    at.get_by_key("parking-week-period").set_value("1 week").run()
    week = figure(at, "Car park occupancy by hour of the week")
    assert "last 1 week" in subtitle(week)
    z = [values(row) for row in week["data"][0]["z"]]
    # The history ends hours before now: those hours of the week have no sample yet.
    assert 0 < sum(v is None for row in z for v in row) <= HOURS + 2


@pytest.mark.parametrize(
    ("label", "means", "least", "most"),
    [("7 d", "hourly means", 7 * 24 - HOURS - 3, 7 * 24 + 1), ("30 d", "daily means", 30, 31),
     ("1 y", "weekly means", 9, 10)],
)  # fmt: skip
def test_long_trends_read_the_lake_in_buckets(
    run_page: RunPage, seeded: tuple[Path, Seeded], label: str, means: str, least: int, most: int
) -> None:
    at = run_page("traffic", seeded[0])
    at.segmented_control(key="traffic-range").set_value(label).run()
    shown = BY_LABEL[label].label  # the subtitle says "7 days" where the control says "7 d"
    assert not at.exception, [e.message for e in at.exception]
    assert not texts(at, "info") and not texts(at, "warning") and not texts(at, "error")
    trend = figure(at, "Road congestion index")
    assert f"last {shown}, {means} (lake)" in subtitle(trend)
    points = values(trend["data"][0]["y"])
    assert least <= len(points) <= most
    assert all(0 <= p <= 100 for p in points if p is not None)


def test_without_a_lake_the_pages_say_so_and_trends_fall_back_to_the_hot_store(
    run_page: RunPage, seeded: tuple[Path, Seeded], seeded_without_lake: Path
) -> None:
    at = run_page("parking", seeded_without_lake)
    infos = texts(at, "info")
    assert len(infos) == 2 and all("which cannot be read: no lake at" in i for i in infos), infos
    assert not texts(at, "warning") and not texts(at, "error")
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert len(titles) == 3  # map, trend and prices: what the hot store answers

    at = run_page("traffic", seeded_without_lake)
    at.segmented_control(key="traffic-range").set_value("30 d").run()
    assert not texts(at, "warning") and not texts(at, "error")
    notes = [c for c in texts(at, "caption") if c.startswith("The lake cannot be read")]
    assert len(notes) == 1 and "what the hot store keeps" in notes[0], notes
    fallback = figure(at, "Road congestion index")
    assert "daily means (hot store)" in subtitle(fallback)

    # The same daily means as the lake's: the hot store holds the range too.
    at = run_page("traffic", seeded[0])
    at.segmented_control(key="traffic-range").set_value("30 d").run()
    from_lake = figure(at, "Road congestion index")
    assert values(fallback["data"][0]["y"]) == pytest.approx(values(from_lake["data"][0]["y"]))


def test_buckets_are_paris_hours_days_and_iso_weeks() -> None:
    from datetime import UTC

    # 23:30 UTC on Sunday 1 Nov 2026 is 00:30 on Monday in Paris (UTC+1).
    end = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    assert buckets.start_of(end, "hour") == datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert buckets.start_of(end, "day") == datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert buckets.start_of(end, "week") == datetime(2026, 11, 1, 23, tzinfo=UTC)
    # A window ending at Paris midnight counts in the day before.
    midnight = datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert buckets.start_of(midnight, "day") == datetime(2026, 10, 31, 23, tzinfo=UTC)
    with pytest.raises(ValueError, match="bucket"):
        buckets.start_of(end, "year")
    lake_half = {midnight: buckets.Bucket(midnight, 10.0, 5.0, 15.0, 3)}
    hot_half = buckets.of_points([(end, {"x": 30.0}), (end, {"x": "n/a"})], ["x"], "day")["x"]
    merged = buckets.merge(lake_half, {midnight: hot_half[midnight]})
    assert merged[midnight] == buckets.Bucket(midnight, 15.0, 5.0, 30.0, 4)  # weighted mean


def test_the_bucket_follows_the_range() -> None:
    assert data.bucket_for(7 * 24) == "hour"
    assert data.bucket_for(30 * 24) == data.bucket_for(90 * 24) == "day"
    assert data.bucket_for(365 * 24) == "week"
    assert timedelta(hours=data.HOT_HOURS) == timedelta(days=2)
