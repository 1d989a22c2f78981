"""The departure boards through a whole day, night included (issue 15)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from replay_upstream.departures_data import Timetable

from .helpers import Fetch, Replay
from .test_navitia import AUTH, TERMINI

PARIS = ZoneInfo("Europe/Paris")
NIGHT = range(1, 5)  # 01:00-04:59 Paris time
DAY = range(7, 21)


def _board_sizes(replay: Replay, fetch: Fetch, day: date) -> dict[int, list[int]]:
    """Per Paris hour of ``day``: each terminus's departures in the next 60 minutes."""
    sizes: dict[int, list[int]] = {}
    for hour in range(24):
        replay.set_clock(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS))
        sizes[hour] = []
        for uic in TERMINI:
            path = f"/v1/coverage/sncf/stop_areas/stop_area:SNCF:{uic}/departures"
            body = fetch(path, headers=AUTH, duration=3600, count=1000).json()
            assert body["pagination"]["total_result"] == len(body["departures"])
            sizes[hour].append(len(body["departures"]))
    return sizes


@pytest.mark.parametrize("day", [date(2025, 11, 5), date(2025, 11, 8)], ids=["wed", "sat"])
def test_every_hour_has_trains_and_nights_are_sparse(
    replay_upstream: Replay, fetch: Fetch, day: date
) -> None:
    sizes = _board_sizes(replay_upstream, fetch, day)
    for hour, boards in sizes.items():
        assert sum(boards) >= 1, hour
        assert sum(1 for n in boards if n) > len(TERMINI) / 2, (hour, boards)
    night = [sum(sizes[h]) for h in NIGHT]
    daytime = [sum(sizes[h]) for h in DAY]
    assert max(night) < min(daytime) / 3
    # Sparse, not a day timetable shifted: a few trains an hour at the busiest terminus.
    assert max(max(sizes[h]) for h in NIGHT) <= 6


def test_night_trains_are_suburban_or_intercites(replay_upstream: Replay, fetch: Fetch) -> None:
    replay_upstream.set_clock(datetime(2025, 11, 5, 1, 0, tzinfo=PARIS))
    networks: Counter[str] = Counter()
    for uic in TERMINI:
        path = f"/v1/coverage/sncf/stop_areas/stop_area:SNCF:{uic}/departures"
        # Scheduled times: a late evening TGV delayed past 01:00 is no night train.
        body = fetch(
            path, headers=AUTH, duration=4 * 3600 - 60, count=1000, data_freshness="base_schedule"
        ).json()
        for dep in body["departures"]:
            shown = datetime.strptime(dep["stop_date_time"]["departure_date_time"], "%Y%m%dT%H%M%S")
            assert 1 <= shown.hour < 5, dep["stop_date_time"]  # no train misplaced by a day
            networks[dep["display_informations"]["network"]] += 1
    assert {"Transilien", "RER"} <= set(networks)
    assert not {"TGV INOUI", "OUIGO", "Eurostar", "TGV Lyria", "ICE"} & set(networks)
    assert networks["Transilien"] + networks["RER"] > 0.6 * sum(networks.values())


def test_the_timetable_is_a_function_of_the_seed() -> None:
    day = date(2025, 11, 5)
    first, again, other = Timetable(0), Timetable(0), Timetable(1)
    for uic in TERMINI:
        assert first.day(uic, day) == again.day(uic, day)
    night = [
        d.number
        for d in first.day("87384008", day)
        if timedelta(hours=25) <= d.base - datetime(2025, 11, 5, tzinfo=PARIS) < timedelta(hours=28)
    ]
    assert len(night) >= 3
    assert [d.number for d in other.day("87384008", day)] != [
        d.number for d in first.day("87384008", day)
    ]
