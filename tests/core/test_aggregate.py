"""Aggregations as the daemon and the CLI run them, and the daily report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from collector.aggregate import aligned_window
from collector.cli import main
from collector.daemon import Services, run_aggregations, run_once
from collector.keys import parse_ts
from collector.report import PARIS, paris_day_bounds
from collector.settings import Settings
from collector.storage.local import LocalReader
from tests.core.conftest import Upstream, plugins_for


def test_window_is_aligned_so_reruns_overwrite() -> None:
    a = aligned_window(
        datetime(2025, 11, 4, 19, 59, tzinfo=UTC), timedelta(hours=1), timedelta(days=1)
    )
    b = aligned_window(
        datetime(2025, 11, 4, 19, 1, tzinfo=UTC), timedelta(hours=1), timedelta(days=1)
    )
    assert a == b
    assert a.end == datetime(2025, 11, 4, 19, tzinfo=UTC)
    assert a.start == datetime(2025, 11, 3, 19, tzinfo=UTC)


def test_paris_day_bounds_follow_daylight_saving() -> None:
    assert paris_day_bounds(date(2025, 7, 1)) == ("2025-06-30T22:00:00Z", "2025-07-01T21:59:59Z")
    assert paris_day_bounds(date(2025, 12, 1)) == ("2025-11-30T23:00:00Z", "2025-12-01T22:59:59Z")


async def test_empty_inputs_give_an_explained_result_then_real_numbers(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    app = make_app(sources={"counter": {"url": upstream.url}})
    registry, plugins = plugins_for(app)
    async with Services(app, registry, plugins) as services:
        [empty] = await run_aggregations(services, ["counter_sum"])
        assert empty.status == "ok"
        upstream.rows = [
            {"id": "a", "at": "2025-11-04T19:00:00+00:00", "value": 5},
            {"id": "b", "at": "2025-11-04T19:00:00+00:00", "value": 7},
        ]
        await run_once(services, ["counter"])
        [again] = await run_aggregations(services, ["counter_sum"])
    assert again.window_end == empty.window_end
    reader = LocalReader(app.data_dir)
    page = reader.gold("counter_sum", "", "~", limit=10)
    assert len(page.items) == 1  # same window: overwritten, not appended
    assert page.items[0]["data"] == {
        "entities": 2,
        "total": 12,
        "readings_in_window": 2,
        "note": None,
        "excluded": {},  # the runner's: no input failed a quality check
    }


def test_cli_aggregate_and_report(
    make_app: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    monkeypatch.setenv("PARIS_DATA_DIR", str(app.data_dir))
    monkeypatch.setenv("PARIS_PLUGIN_DIR", str(app.plugin_dir))
    assert main(["aggregate", "counter_sum"]) == 3  # no store there yet: none is made
    assert main(["init"]) == 0
    assert main(["aggregate", "counter_sum", "--log-format", "json"]) == 0
    assert main(["aggregate", "nope"]) == 2
    point = LocalReader(app.data_dir).gold_latest("counter_sum")
    assert point is not None
    day = parse_ts(point["window_end"]).astimezone(PARIS).date()
    assert main(["report", "--date", day.isoformat()]) == 0

    day_dir = app.data_dir / "bronze" / "reports" / day.isoformat()
    doc = orjson.loads((day_dir / "counter_sum.json").read_bytes())
    assert (doc["aggregation"], doc["timezone"], doc["points"]) == (
        "counter_sum",
        "Europe/Paris",
        1,
    )
    assert doc["series"][0]["data"]["note"] == "no counter data yet"
    rows = list(csv.DictReader(io.StringIO((day_dir / "counter_sum.csv").read_text())))
    assert [(r["window_end"], r["entities"], r["note"]) for r in rows] == [
        (point["window_end"], "0", "no counter data yet")
    ]
