"""``backfill``: days of history from a replay upstream that serves them, interrupted and
resumed, landing once in bronze, the lake and (within its retention) silver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.cli import main
from collector.lake import query
from collector.lake.catalog import open_catalog
from collector.settings import load_settings
from replay_upstream.client import ReplayClient
from replay_upstream.pytest_plugin import TEST_START
from replay_upstream.thread import ThreadedReplay, start_in_thread

SINCE = "2025-11-01T00:00:00Z"
UNTIL = "2025-11-01T18:00:00Z"  # eighteen hours, (since, until]: three slices of six hours
SLICE = ["--slice-hours", "6"]
ARCS = 2977


@pytest.fixture(scope="module")
def deep_upstream() -> Iterator[ThreadedReplay]:
    """A replay upstream that still publishes five days of traffic hours."""
    server = start_in_thread(seed=0, start=TEST_START, accelerate=0.0, history_hours=5 * 24)
    yield server
    server.stop()


@pytest.fixture
def upstream(
    deep_upstream: ThreadedReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ReplayClient:
    client = ReplayClient(deep_upstream.url)
    client.reset()
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_PLUGIN_DIR", "PARIS_SNCF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for key, value in client.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PARIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARIS_HTTP_RETRIES", "0")
    return client


def _bronze(data: Path) -> list[Path]:
    return sorted((data / "bronze" / "raw" / "traffic").rglob("*.json.gz"))


def _lake_hours() -> list[tuple[str, int, int]]:
    settings = load_settings()
    answer = query.run(
        open_catalog(settings),
        "paris",
        "SELECT strftime(observed_at, '%Y-%m-%dT%H:%M:%SZ') AS hour, count(*) AS n,"
        " count(DISTINCT entity_id) AS arcs FROM traffic GROUP BY 1 ORDER BY 1",
    )
    return [(str(h), int(n), int(a)) for h, n, a in answer.rows]


def test_backfill_interrupted_then_resumed_lands_every_hour_once(
    upstream: ReplayClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    # The second day's export fails for good: the first day is kept, the command says so.
    upstream.fault("status", match="2025-11-01T06:00:00'+and", status=503)
    assert main(["backfill", "traffic", "--since", SINCE, "--until", UNTIL, *SLICE]) == 1
    assert "resumes" in capsys.readouterr().err
    assert len(_bronze(data)) == 1
    first_slice = _lake_hours()
    assert len(first_slice) == 6 and all(n == ARCS == a for _, n, a in first_slice)

    upstream.clear_faults()
    upstream.clear_requests()
    assert main(["backfill", "traffic", "--since", SINCE, "--until", UNTIL, *SLICE]) == 0
    out = capsys.readouterr().out
    assert "2 slices (1 already stored)" in out
    assert len(upstream.requests("exports")) == 2  # the stored slice is not asked again
    hours = _lake_hours()
    assert len(hours) == 18 and all(n == ARCS == a for _, n, a in hours)
    assert hours[0][0] == "2025-11-01T01:00:00Z" and hours[-1][0] == "2025-11-01T18:00:00Z"
    # A year old: beyond the hot store's 90 days, in bronze and the lake only.
    assert "0 in silver" in out

    # A second backfill of the same range (asked anew) duplicates nothing.
    assert (
        main(["backfill", "traffic", "--since", SINCE, "--until", UNTIL, "--slice-hours", "36"])
        == 0
    )
    assert _lake_hours() == hours


def test_backfill_within_retention_reaches_silver_and_the_live_cursor_stays(
    upstream: ReplayClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARIS_SOURCES__TRAFFIC__RETENTION_DAYS", "36500")
    until = "2025-11-01T06:00:00Z"
    assert main(["backfill", "traffic", "--since", SINCE, "--until", until, *SLICE]) == 0
    from collector.storage.local import LocalReader

    reader = LocalReader(tmp_path / "data")
    rows = reader.conn.execute("SELECT count(*) FROM silver WHERE dataset = 'traffic'").fetchone()
    states = reader.states()
    reader.close()
    assert rows[0] == 6 * ARCS
    assert "watermark" not in (states.get("traffic") or {}).get("cursor", {})


def test_backfill_refuses_what_it_cannot_do(
    upstream: ReplayClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backfill", "parking", "--since", SINCE]) == 2
    assert "sources that can: traffic" in capsys.readouterr().err
    assert main(["backfill", "traffic", "--since", UNTIL, "--until", SINCE]) == 2
    assert "not before" in capsys.readouterr().err
