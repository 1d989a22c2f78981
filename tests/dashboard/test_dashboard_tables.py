"""Tables, filters, CSV files and messages that tell the truth (issue 15): text from data reads
as written, missing values are a dash, a stale car park count is not live, the filters feed the
map, the table and the CSV alike, a CSV carries ISO times, coordinates and the licence, and an
empty departure board says why.

The pages run in Streamlit's AppTest on small stores written record by record, so that ages and
values are exact."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from collector import keys
from collector.plugin import Record, dataset_name
from collector.storage import make_store
from collector.storage.base import Row
from dashboard import csv_export, filters, ui
from sources.departures.records import Departure
from sources.parking.records import ParkingAvailability
from tests.dashboard.conftest import RunPage, local

EXPIRES = 4_102_444_800  # 2100-01-01
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True, scope="module")
def _now_is_when_the_module_runs() -> None:
    """Ages are relative to the page's clock: the time this module's tests run, not the time
    the suite collected them (minutes earlier, which would make every count stale)."""
    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)


GARE_DU_NORD = "stop_area:SNCF:87271007"


# helpers ------------------------------------------------------------------------------------
def write(
    data_dir: Path, source: str, records: Sequence[Record], state: dict[str, Any] | None
) -> Path:
    """``records`` of ``source`` and its saved state, as the daemon writes them."""

    async def put() -> None:
        async with make_store(local(data_dir)) as store:
            await store.init()
            rows = [
                Row(
                    dataset_name(source, type(r)),
                    r.entity_id,
                    keys.ts(r.observed_at),
                    r.model_dump(mode="json"),
                    keys.raw_key(source, NOW),
                )
                for r in records
            ]
            if rows:
                await store.put_rows(rows, history=True, expires_at=EXPIRES)
            if state is not None:
                await store.put_state(source, state)

    asyncio.run(put())
    return data_dir


def ran(ago: timedelta, status: str = "ok", failures: int = 0) -> dict[str, Any]:
    """The state a run ``ago`` leaves (a success unless ``failures``)."""
    at = keys.ts(NOW - ago)
    state: dict[str, Any] = {"last_run_at": at, "last_status": status, "last_success_at": at}
    state["consecutive_failures"] = failures
    if failures:
        state["last_error"] = "HTTP 503 from the upstream"
    return state


class _KeptFiles(MemoryMediaFileStorage):
    """Streamlit's in-memory media store, keeping each file by URL once the run is over (the
    AppTest runtime's own store goes with the run)."""

    kept: ClassVar[dict[str, bytes]] = {}

    def load_and_get_id(
        self, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None
    ) -> str:
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        self.kept[self.get_url(file_id)] = self._files_by_id[file_id].content
        return file_id


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes of every download button the AppTest runs draw, by URL."""
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _KeptFiles)
    _KeptFiles.kept = {}
    return _KeptFiles.kept


def csv_of(at: AppTest, files: dict[str, bytes], key: str) -> tuple[list[str], pd.DataFrame]:
    """The comment lines, and the rows as a reader gets them, of the CSV behind ``key``."""
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith(key)]
    text = files[button.proto.url].decode("utf-8")
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    return comments, pd.read_csv(io.StringIO(text), comment="#")


def rendered(markdown: str) -> str:
    """What a reader sees of ``markdown``: its text, and any structure as tags."""
    return MarkdownIt("commonmark").enable("strikethrough").render(markdown)


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# text from data -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "- counts free places",
        "1. first, 2) second",
        "# not a heading",
        "Parking *Louvre* _Rivoli_ [map](http://example.org) `x`",
        "price $3 to $5 · ~approx~ · <b>bold</b> · a & b &amp; c",
        "= underline\n+ plus\n    indented",
        r"a \ backslash and | pipe",
    ],
)
def test_text_from_data_renders_as_written(text: str) -> None:
    html = rendered(ui.escape(text))
    assert not re.search(r"<(li|ol|ul|h\d|em|strong|a|code|s|del|b|pre)\b", html), html
    plain = re.sub(r"<[^>]+>", "", html).replace("&amp;", "&").replace("&lt;", "<")
    plain = plain.replace("&gt;", ">").replace("&quot;", '"')
    assert " ".join(plain.split()) == " ".join(text.split())


def test_streamlit_directives_and_words_are_left_readable() -> None:
    assert ui.escape(":red[alarm] :material/home: :smile:") == (
        r"\:red\[alarm\] \:material/home: \:smile:"  # an opening colon escaped is enough
    )
    # Identifiers, times and hyphens need no escape, so captions stay readable as source too.
    assert (
        ui.escape("bikes_summary at 19:00, Saint-Lazare") == "bikes_summary at 19:00, Saint-Lazare"
    )


# CSV ----------------------------------------------------------------------------------------
def test_a_csv_says_how_to_read_it_and_reads_back_with_pandas() -> None:
    frame = pd.DataFrame(
        {
            "name": ["Parking #1 Louvre", None, "# not a comment"],
            "free": [12, None, 0],
            "observed_at": pd.to_datetime(
                ["2026-12-02T09:00:00Z", None, "2026-07-01T09:00:00Z"], utc=True
            ),
            "lat": [48.86, None, 48.84],
            "lon": [2.34, None, 2.37],
        }
    )
    publishers = [csv_export.Publisher("Ville de Paris — stationnement", "ODbL")]
    data = csv_export.to_csv(
        frame,
        "car-parks",
        publishers,
        exported=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
        notes=["Filter: arrondissement Paris 1er\nor Paris 2e (2 of 9)"],
    )
    text = data.decode("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments == [
        "# car-parks",
        "# Exported: 2026-12-02T10:30:00+01:00",
        f"# {csv_export.TIMES_NOTE}",
        f"# {csv_export.COORDINATES_NOTE}",
        "# Filter: arrondissement Paris 1er or Paris 2e (2 of 9)",
        "# Attribution: Ville de Paris — stationnement",
        "# Licence: ODbL",
    ]
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert list(back.columns) == ["name", "free", "observed_at", "lat", "lon"]
    assert list(back["name"].fillna("")) == ["Parking #1 Louvre", "", "# not a comment"]
    # Winter and summer offsets: Paris time, stated in the header.
    assert list(back["observed_at"].fillna("")) == [
        "2026-12-02T10:00:00+01:00",
        "",
        "2026-07-01T11:00:00+02:00",
    ]
    assert back["lat"].iloc[0] == 48.86 and pd.isna(back["free"].iloc[1])


# car parks ----------------------------------------------------------------------------------
def car_park(entity_id: str, name: str, *, operator: str | None, lon: float, lat: float,
             arrondissement: int | None, counted_ago: timedelta | None,
             flags: Sequence[str] = ()) -> ParkingAvailability:  # fmt: skip
    live = counted_ago is not None
    return ParkingAvailability(
        entity_id=entity_id,
        observed_at=NOW - (counted_ago if live else timedelta(days=1)),
        name=name,
        address=f"{entity_id} rue #{entity_id}, Paris",
        arrondissement=arrondissement,
        zone=f"Paris {arrondissement}e" if arrondissement else "outside Paris",
        operator=operator,
        capacity_cars=400,
        capacity_pmr=None, capacity_motorbikes=None, capacity_bikes=None, capacity_ev=None,
        max_height_cm=None,
        price_1h=3.5, price_2h=None, price_3h=None, price_4h=None, price_24h=None,
        lon=lon,
        lat=lat,
        live_id=f"PMO{entity_id}" if live else None,
        free_places=100 if live else None,
        occupancy_rate=0.75 if live else None,
        availability="live" if live else "unknown",
        flags=list(flags),  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture(scope="module")
def car_parks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four car parks; the collector's last success a minute ago (interval 2 min)."""
    records = [
        car_park("1", "- Louvre *Rivoli*", operator="SAEMES", lon=2.3405, lat=48.8625,
                 arrondissement=1, counted_ago=timedelta(minutes=2)),
        car_park("2", "Bercy", operator="Ville de Paris", lon=2.3850, lat=48.8400,
                 arrondissement=12, counted_ago=timedelta(minutes=40)),
        car_park("3", "Halles", operator="INDIGO", lon=2.3470, lat=48.8620,
                 arrondissement=1, counted_ago=None),
        car_park("4", "Lyon", operator=None, lon=2.3730, lat=48.8440,
                 arrondissement=12, counted_ago=timedelta(minutes=2), flags=["stale"]),
    ]  # fmt: skip
    data_dir = tmp_path_factory.mktemp("car-parks") / "data"
    state = {**ran(timedelta(minutes=1)), "data_freshness": keys.ts(NOW - timedelta(minutes=2))}
    return write(data_dir, "parking", records, state)


def table_of(at: AppTest) -> pd.DataFrame:
    (table,) = at.dataframe
    return table.value.set_index("entity_id")


def test_a_stale_count_is_shown_stale_not_live(run_page: RunPage, car_parks: Path) -> None:
    at = run_page("parking", car_parks)
    counts = table_of(at)["count"].to_dict()
    # 2: the counter has not moved for 40 min while the collector ran; 4: the publisher's
    # count was flagged stale; 3 has no counter.
    assert counts == {"1": "live", "2": "stale", "3": "none", "4": "stale"}
    car_map = figures(at)[0]
    traces = {t["name"]: len(t["lon"]) for t in car_map["data"] if t["name"] != "Paris"}
    assert traces == {"occupancy unknown (3)": 3, "live occupancy (1)": 1}
    assert "2 stale counts shown as unknown" in car_map["layout"]["title"]["subtitle"]["text"]
    assert any("2 with a stale count" in str(c.value) for c in at.caption)


def test_every_count_is_stale_once_the_collector_is(
    run_page: RunPage, car_parks: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(car_parks, data_dir)
    write(data_dir, "parking", [], ran(timedelta(minutes=30)))  # 2.5 x 2 min ago and more
    counts = table_of(run_page("parking", data_dir))["count"]
    assert set(counts) == {"stale", "none"}


def test_missing_values_are_a_dash_and_columns_fit(run_page: RunPage, car_parks: Path) -> None:
    at = run_page("parking", car_parks)
    (table,) = at.dataframe
    assert table.proto.placeholder == "—"
    config = json.loads(table.proto.columns)
    assert config["name"]["pinned"] is True
    assert {config[c]["width"] for c in ("free_places", "count", "price_1h")} == {"small"}
    # Coordinates and the address go to the CSV only.
    assert list(table.proto.column_order) == list(
        ["name", "zone", "operator", "capacity_cars", "free_places", "occupancy_rate", "count",
         "observed_at", "price_1h", "price_24h"]
    )  # fmt: skip


def test_filters_apply_to_the_map_the_table_and_the_csv(
    run_page: RunPage, car_parks: Path, downloads: dict[str, bytes]
) -> None:
    at = run_page("parking", car_parks)
    zones = at.multiselect(key="parking-arrondissement")
    assert zones.options == ["Paris 1er", "Paris 12e"]
    assert at.multiselect(key="parking-operator").options == [
        "INDIGO", "SAEMES", "Ville de Paris", "unknown"
    ]  # fmt: skip
    zones.select("Paris 12e").run()
    assert sorted(table_of(at).index) == ["2", "4"]
    car_map = figures(at)[0]
    assert sum(len(t["lon"]) for t in car_map["data"] if t["name"] != "Paris") == 2
    at.multiselect(key="parking-operator").select("unknown").run()
    assert list(table_of(at).index) == ["4"]

    comments, rows = csv_of(at, downloads, "car-parks-csv")
    assert list(rows["entity_id"].astype(str)) == ["4"]
    assert "Filter: arrondissement Paris 12e; operator unknown (1 of 4)" in comments
    assert {"lat", "lon", "address"} <= set(rows.columns)
    assert rows["lat"].iloc[0] == 48.844 and rows["address"].iloc[0] == "4 rue #4, Paris"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", rows["observed_at"].iloc[0])
    assert (
        "Attribution: Ville de Paris — stationnement-en-ouvrage; SAEMES — places disponibles"
        in (comments)
    )
    assert "Licence: ODbL (Ville de Paris); SAEMES: Licence Ouverte v2.0 (Etalab)" in comments
    assert csv_export.TIMES_NOTE in comments and csv_export.COORDINATES_NOTE in comments


def test_the_arrondissement_of_a_record_comes_from_its_field_or_its_point() -> None:
    assert filters.arrondissement_of({"arrondissement": 5, "lat": 48.86, "lon": 2.34}) == 5
    assert filters.arrondissement_of({"lat": 48.8625, "lon": 2.3405}) == 1
    assert filters.arrondissement_of({"lat": 48.90, "lon": 2.20}) is None  # outside Paris
    assert filters.zone_of({"lat": None, "lon": None}) == filters.OUTSIDE
    kept = filters.apply([{"arrondissement": 1}, {"arrondissement": 2}], zones_kept=["Paris 2e"])
    assert kept.records == [{"arrondissement": 2}] and kept.describe() == (
        "Filter: arrondissement Paris 2e (1 of 2)"
    )
    assert filters.apply([{"arrondissement": 1}]).describe() is None


# the departure board ------------------------------------------------------------------------
def departure(minutes_from_now: float, station: str = "Paris Gare du Nord") -> Departure:
    at = NOW + timedelta(minutes=minutes_from_now)
    return Departure(
        entity_id=f"vehicle_journey:{minutes_from_now}@{GARE_DU_NORD}",
        observed_at=at,
        stop_area_id=GARE_DU_NORD,
        station=station,
        stop_point_id=None,
        network="TER",
        commercial_mode="TER",
        physical_mode="Train",
        direction="Amiens",
        headsign="847000",
        train_number="847000",
        label=None,
        base_departure=at,
        realtime_departure=None,
        delay_minutes=None,
        data_freshness="base_schedule",
    )


def board_messages(at: AppTest) -> list[str]:
    return [str(m.value) for kind in ("info", "warning") for m in at.get(kind)]


@pytest.fixture
def with_token(dashboard_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    dashboard_env.setenv("PARIS_SNCF_TOKEN", "a-token")  # the source is not disabled
    return dashboard_env


def test_an_empty_board_after_a_good_run_says_no_train_in_the_window(
    run_page: RunPage, with_token: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The night: the last run was fine and empty, the trains stored are gone.
    data_dir = write(tmp_path / "data", "departures", [departure(-90)], ran(timedelta(0), "empty"))
    with_token.setenv("PARIS_SOURCES__DEPARTURES__DURATION_MINUTES", "150")
    at = run_page("departures", data_dir)
    assert "No train in the next 150 minutes at any polled station." in board_messages(at)
    assert not at.warning
    at.selectbox(key="departures-station").select("Paris Gare du Nord").run()
    assert "No train in the next 150 minutes at Paris Gare du Nord." in board_messages(at)


def test_an_empty_board_of_a_source_that_never_ran_says_nothing_is_stored(
    run_page: RunPage, with_token: pytest.MonkeyPatch, empty_store: Path
) -> None:
    at = run_page("departures", empty_store)
    assert (
        "The collector has stored no departure yet: the departures source has not run."
        in board_messages(at)
    )
    assert not any("No train" in m for m in board_messages(at))


@pytest.mark.parametrize(
    ("state", "label"),
    [(ran(timedelta(hours=2)), "stale"), (ran(timedelta(minutes=1), failures=3), "failing")],
)
def test_an_empty_board_of_a_lagging_source_warns_that_trains_may_be_missing(
    run_page: RunPage, with_token: pytest.MonkeyPatch, tmp_path: Path, state: Any, label: str
) -> None:
    data_dir = write(tmp_path / "data", "departures", [departure(-90)], state)
    at = run_page("departures", data_dir)
    (warning,) = [str(w.value) for w in at.warning]
    assert f"the departures source is {label}" in warning
    assert "trains may be missing" in warning and "next 120 minutes" in warning


def test_a_board_of_a_stale_source_shows_its_trains_and_says_it_is_stale(
    run_page: RunPage, with_token: pytest.MonkeyPatch, tmp_path: Path, downloads: dict[str, bytes]
) -> None:
    station = "- Gare *du* Nord"
    trains = [departure(5, station), departure(20, station), departure(200, station)]
    data_dir = write(tmp_path / "data", "departures", trains, ran(timedelta(hours=2)))
    at = run_page("departures", data_dir)
    board = at.dataframe[0].value
    assert len(board) == 2  # the one in 200 min is beyond the source's 120-minute window
    assert board["delay"].isna().all() and set(board["status"]) == {"timetable only"}
    captions = [str(c.value) for c in at.caption]
    assert any("departures source is stale" in c for c in captions)
    # The station's name, from data, is text: no bullet, no italics.
    at.selectbox(key="departures-station").select(station).run()
    (heading,) = [str(s.value) for s in at.subheader]
    assert "<li>" not in rendered(heading) and "<em>" not in rendered(heading)
    assert "Departure board: - Gare *du* Nord" in rendered(heading)
    _, rows = csv_of(at, downloads, "departure-board-csv")
    expected = (NOW + timedelta(minutes=5)).astimezone(csv_export.PARIS).isoformat()
    assert rows["scheduled"].iloc[0] == expected


def test_a_cancelled_train_stays_on_the_board_as_cancelled_with_its_message(
    run_page: RunPage, with_token: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cancelled = departure(10).model_copy(
        update={"status": "cancelled", "disruption_message": "Train supprimé"}
    )
    trains = [departure(5), cancelled]
    data_dir = write(tmp_path / "data", "departures", trains, ran(timedelta(0)))
    at = run_page("departures", data_dir)
    board = at.dataframe[0].value
    assert list(board["status"])[1] == "CANCELLED — Train supprimé"
    assert board["expected"].isna().iloc[1]  # it leaves at no time
    assert any("1 cancelled" in str(c.value) for c in at.caption)
