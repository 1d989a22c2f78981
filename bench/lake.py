"""9. The lake: backfill throughput, a month of traffic, a year of a sample of arcs.

A replay upstream that still publishes the days asked (its own, started here with the history
they need) is backfilled through :func:`collector.backfill.backfill` into a fresh local data
directory, then folded into the lake by the one-shot flush (:meth:`collector.lake.service.Lake.
flush`), as ``paris-collector backfill`` does. Every other figure reads what that run stored:

- the parse-only floor: ``orjson.loads`` of the very payloads bronze holds (read and gunzipped
  first, untimed);
- dlt loading the rows of the same payloads into duckdb, merged on ``(iu_ac, t_1h)`` like the
  lake merges on ``(entity_id, observed_at)``;
- lake bytes against bronze bytes, data files per day partition after
  :func:`collector.lake.maintenance.maintain`;
- "mean occupancy per arc per month" in DuckDB over the lake (:func:`collector.lake.query.run`)
  against the same query over the bronze payloads with ``read_json`` (DuckDB reads the gzip
  files as they are), with both answers compared.

A year of every arc (26 M rows) would take most of the suite's time on a small machine, so the
year is a year of a *sample* of arcs: a replay upstream whose traffic dataset publishes one arc
in :data:`SAMPLE_EVERY` (the replay's generator, restricted to those arcs).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench import peer
from bench.common import START, Env, Section, kib, median, num, ratio, secs
from collector.backfill import BackfillReport, backfill
from collector.http import HttpClient, make_session
from collector.lake.catalog import open_catalog
from collector.lake.maintenance import files_per_day, maintain
from collector.lake.query import run as lake_query
from collector.lake.service import Lake
from collector.lake.writer import dataset_specs
from collector.plugin import dataset_name
from collector.settings import Settings
from collector.storage import make_store
from replay_upstream.clock import ReplayClock
from replay_upstream.thread import ThreadedReplay, start_in_thread
from replay_upstream.traffic_data import TrafficDataset
from sources.traffic import SOURCE
from sources.traffic.records import TrafficCount

UNTIL = datetime(2025, 11, 4, tzinfo=UTC)
"""The backfills end at this midnight (the replay publishes up to 22:00 UTC that day)."""
MONTH_DAYS = 30
YEAR_DAYS = 365
SAMPLE_EVERY = 10
DLT_ROWS = 71_448
"""dlt loads the first day of the month (every arc, 24 hours): at ~2k rows/s here, the whole
month would take twenty minutes."""
QUICK_DLT_ROWS = 2_977
QUICK_DAYS = 1
QUICK_YEAR_DAYS = 2

MONTHLY_LAKE = """
SELECT entity_id AS arc, date_trunc('month', observed_at) AS month,
       avg(occupancy_k) AS mean_occupancy
FROM traffic GROUP BY 1, 2 ORDER BY 1, 2"""
MONTHLY_RAW = """
SELECT c.iu_ac AS arc, date_trunc('month', CAST(c.t_1h AS TIMESTAMPTZ)) AS month,
       avg(c.k) AS mean_occupancy
FROM (SELECT unnest(counts) AS c FROM read_json({files}, compression = 'gzip',
      format = 'auto', maximum_object_size = 1073741824,
      columns = {{counts: 'STRUCT(iu_ac VARCHAR, t_1h VARCHAR, k DOUBLE)[]'}}))
WHERE c.iu_ac <> '*' GROUP BY 1, 2 ORDER BY 1, 2"""
"""The same question over the raw exports: the phantom ``*`` row is the only one the lake sets
aside that could change an answer (its occupancy is always null)."""


class SampledTraffic(TrafficDataset):
    """The replay's traffic dataset restricted to one arc in ``every``: a year in minutes."""

    def __init__(self, clock: ReplayClock, every: int, **options: Any) -> None:
        super().__init__(clock, **options)
        self.arcs = self.arcs[::every]
        self._templates = self._templates[::every]
        self._static = {name: values[::every] for name, values in self._static.items()}

    def size(self, key: Any) -> int:
        return 1 if key is None else len(self.arcs)


def deep_upstream(days: int, sample_every: int = 1) -> ThreadedReplay:
    """A replay upstream on the suite's frozen clock that still publishes ``days`` days."""
    hours = (days + 1) * 24
    server = start_in_thread(seed=0, start=START, accelerate=0.0, history_hours=hours)
    if sample_every > 1:
        world = server.world
        sampled = SampledTraffic(world.clock, sample_every, seed=0, history_hours=hours)
        world.datasets[TrafficDataset.id] = sampled
    return server


@dataclass
class Landed:
    """One backfill into a fresh data directory, then the lake flush, as the command does."""

    settings: Settings
    days: int
    report: BackfillReport
    backfill_s: float
    flush_s: float
    lake_rows: int
    payloads: list[bytes] = field(default_factory=list)
    """The raw payloads as bronze holds them, gunzipped (read after the timed part)."""
    bronze_files: list[Path] = field(default_factory=list)

    @property
    def raw_bytes(self) -> int:
        return sum(len(p) for p in self.payloads)

    @property
    def bronze_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.bronze_files)

    @property
    def lake_dir(self) -> Path:
        return self.settings.data_dir / "lake"


def _settings(env: Env, url: str, name: str) -> Settings:
    """Local storage in a fresh directory, every upstream at ``url``."""
    return Settings(
        _env_file=None,
        storage="local",
        data_dir=env.fresh_dir(name),
        opendata_url=url,
        saemes_url=url,
        sncf_url=url,
        health_port=0,
        http_retries=0,
    )


async def land(env: Env, url: str, days: int, name: str) -> Landed:
    settings = _settings(env, url, name)
    source_settings = SOURCE.settings()
    since = UNTIL - timedelta(days=days)
    async with make_store(settings) as store, make_session(settings.contact) as session:
        await store.init()
        http = HttpClient(
            session,
            timeout=settings.http_timeout,
            retries=0,
            max_body_bytes=source_settings.max_body_bytes,
        )
        start = time.perf_counter()
        report = await backfill(
            store, SOURCE, source_settings, settings, http, since=since, until=UNTIL
        )
        middle = time.perf_counter()
        flushed = await Lake(settings, store).flush([SOURCE])
        end = time.perf_counter()
        if not flushed.ok:
            raise RuntimeError(f"lake flush failed: {flushed.failures or flushed.reports}")
    files = sorted((settings.data_dir / "bronze").rglob("*.json.gz"))
    return Landed(
        settings=settings,
        days=days,
        report=report,
        backfill_s=middle - start,
        flush_s=end - middle,
        lake_rows=flushed.rows().get("traffic", 0),
        payloads=[gzip.decompress(p.read_bytes()) for p in files],
        bronze_files=files,
    )


# the baselines ---------------------------------------------------------------------------------
def parse_floor(payloads: Sequence[bytes], runs: int) -> float:
    """Median seconds to ``orjson.loads`` every payload: no lake can be faster than reading."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for payload in payloads:
            orjson.loads(payload)
        times.append(time.perf_counter() - start)
    return median(times)


def first_rows(payloads: Sequence[bytes], count: int) -> list[bytes]:
    """Payloads holding the first ``count`` rows of ``payloads``, in the same format."""
    out: list[bytes] = []
    for payload in payloads:
        if count <= 0:
            break
        bundle = orjson.loads(payload)
        rows = bundle["counts"][:count]
        count -= len(rows)
        out.append(orjson.dumps({**bundle, "counts": rows}))
    return out


def with_dlt(folder: Path, payloads: Sequence[bytes]) -> float:
    """Seconds for dlt to load the payloads' rows into duckdb, merged on the same key."""
    return peer.dlt_merge(
        folder, "bench_lake", lambda: (orjson.loads(p)["counts"] for p in payloads)
    )


def tree_bytes(folder: Path) -> tuple[int, int]:
    """Total bytes and file count under ``folder``."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


# the analytic query ----------------------------------------------------------------------------
@dataclass
class Answer:
    seconds: float
    rows: list[tuple[Any, ...]]


def query_lake(landed: Landed, runs: int) -> Answer:
    catalog = open_catalog(landed.settings, create=False)
    namespace = landed.settings.lake.namespace
    times, rows = [], []
    for _ in range(runs):
        start = time.perf_counter()
        rows = lake_query(catalog, namespace, MONTHLY_LAKE).rows
        times.append(time.perf_counter() - start)
    return Answer(median(times), rows)


def query_raw(landed: Landed, runs: int) -> Answer:
    import duckdb

    files = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in landed.bronze_files)
    sql = MONTHLY_RAW.format(files=files + "]")
    times, rows = [], []
    for _ in range(runs):
        start = time.perf_counter()
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            rows = con.execute(sql).fetchall()
        finally:
            con.close()
        times.append(time.perf_counter() - start)
    return Answer(median(times), rows)


def same_answer(lake: Answer, raw: Answer) -> bool:
    """One row per arc and month on both sides, the same means (to float rounding)."""
    if len(lake.rows) != len(raw.rows):
        return False
    for (arc_a, month_a, mean_a), (arc_b, month_b, mean_b) in zip(lake.rows, raw.rows, strict=True):
        if arc_a != arc_b or month_a != month_b:
            return False
        if (mean_a is None) != (mean_b is None):
            return False
        if mean_a is not None and abs(mean_a - mean_b) > 1e-9 * max(1.0, abs(mean_b)):
            return False
    return True


# the section -----------------------------------------------------------------------------------
def _mb(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def throughput(section: Section, env: Env, month: Landed) -> None:
    rows = month.lake_rows
    raw = month.raw_bytes
    total = month.backfill_s + month.flush_s
    floor = parse_floor(month.payloads, 1 if env.quick else max(1, min(env.runs, 3)))
    section.row(
        "payloads",
        f"{month.days} day slices of every arc, {_mb(raw)} raw, {rows:,} lake rows",
    )
    section.row(
        "backfill (fetch, bronze, parse; silver: none beyond its retention)",
        f"{secs(month.backfill_s)} = {num(rows / month.backfill_s)} rows/s",
    )
    section.row(
        "lake flush (bronze read, parse, merge, commit)",
        f"{secs(month.flush_s)} = {num(rows / month.flush_s)} rows/s, {_mb(raw / month.flush_s)}/s",
    )
    section.row(
        "**backfill + flush** (the command)",
        f"{secs(total)} = {num(rows / total)} rows/s, {_mb(raw / total)}/s",
    )
    section.row(
        "parse-only floor (orjson.loads of the same payloads)",
        f"{secs(floor)} = {num(rows / floor)} rows/s, {_mb(raw / floor)}/s",
    )
    slower = ratio(total, floor)
    section.check(
        "lake backfill vs parse-only floor",
        f"{num(rows / total)} vs {num(rows / floor)} rows/s ({slower:,.1f}x the floor's time)",
        "(no target: context)",
        slower,
        None,
    )
    if not peer.available():
        section.notes.append(
            "dlt was not measured: it is not installed (`uv run --group bench python -m bench`)."
        )
        section.check("lake backfill vs dlt", "not measured", "faster than dlt", None, None)
        return
    sample = first_rows(month.payloads, QUICK_DLT_ROWS if env.quick else DLT_ROWS)
    sample_rows = sum(len(orjson.loads(p)["counts"]) for p in sample)
    theirs = with_dlt(env.fresh_dir("lake-dlt"), sample)
    dlt_rate = sample_rows / theirs
    ours_rate = rows / total
    faster = ratio(ours_rate, dlt_rate)
    section.row(
        "dlt into duckdb, merge on (iu_ac, t_1h), the first rows",
        f"{secs(theirs)} for {sample_rows:,} rows = {num(dlt_rate)} rows/s",
    )
    section.check(
        "lake backfill vs dlt",
        f"{num(ours_rate)} vs {num(dlt_rate)} rows/s ({faster:,.1f}x)",
        "faster than dlt",
        faster,
        faster > 1,
    )


def volume(section: Section, env: Env, landed: Landed, label: str) -> None:
    catalog = open_catalog(landed.settings, create=False)
    spec = dataset_specs(SOURCE)[dataset_name(SOURCE.name, TrafficCount)]
    table = catalog.load_table(f"{landed.settings.lake.namespace}.{spec.name}")
    maintain(table, spec)
    per_day = files_per_day(table, spec)
    lake_bytes, lake_files = tree_bytes(landed.lake_dir / "warehouse")
    bronze = landed.bronze_bytes
    runs = 1 if env.quick else max(1, min(env.runs, 3))
    lake = query_lake(landed, runs)
    raw = query_raw(landed, 1)  # ~40 s a run over a month of JSON: once is enough to compare
    if not same_answer(lake, raw):
        raise RuntimeError(f"{label}: the lake and read_json answer differently")
    section.row(
        f"{label}: lake bytes vs bronze bytes",
        f"{kib(lake_bytes)} ({lake_files} files) vs {kib(bronze)} gzip"
        f" ({kib(landed.raw_bytes)} raw) = {ratio(lake_bytes, bronze):.2f}x",
    )
    section.row(
        f"{label}: data files per day partition after maintain",
        f"max {max(per_day.values(), default=0)}, {len(per_day)} days,"
        f" {sum(per_day.values())} files",
    )
    section.row(
        f"{label}: mean occupancy per arc per month, DuckDB over the lake",
        f"{secs(lake.seconds)} ({len(lake.rows):,} rows)",
    )
    section.row(
        f"{label}: the same over bronze with read_json",
        f"{secs(raw.seconds)} ({len(raw.rows):,} rows, the same answer)",
    )
    faster = ratio(raw.seconds, lake.seconds)
    section.check(
        f"lake {label} query vs read_json",
        f"{secs(lake.seconds)} vs {secs(raw.seconds)} ({faster:,.1f}x faster)",
        "faster than read_json",
        faster,
        faster > 1,
    )


async def run(env: Env) -> Section:
    section = Section("9. The lake: backfill, a month of traffic, a year of sampled arcs")
    month_days = QUICK_DAYS if env.quick else MONTH_DAYS
    year_days = QUICK_YEAR_DAYS if env.quick else YEAR_DAYS
    with deep_upstream(month_days) as server:
        month = await land(env, server.url, month_days, "lake-month")
    throughput(section, env, month)
    volume(section, env, month, "month")
    del month  # its payloads: hundreds of MB
    with deep_upstream(year_days, SAMPLE_EVERY) as server:
        year = await land(env, server.url, year_days, "lake-year")
    section.row(
        "year: payloads",
        f"{year_days} day slices of 1 arc in {SAMPLE_EVERY}, {_mb(year.raw_bytes)} raw,"
        f" {year.lake_rows:,} lake rows, backfill + flush"
        f" {secs(year.backfill_s + year.flush_s)}",
    )
    volume(section, env, year, "year")
    section.notes += [
        f"One run of each backfill (a month takes minutes) and of each read_json query (tens"
        f" of seconds); the parse floor and the lake queries are medians of"
        f" {1 if env.quick else max(1, min(env.runs, 3))} runs. The replay"
        " upstream runs in a thread of the same process: the backfill's time includes its"
        " generating and serving the exports; the flush's does not.",
        f"Month: {month_days} days of every arc ({UNTIL - timedelta(days=month_days):%Y-%m-%d}"
        f" to {UNTIL:%Y-%m-%d}, UTC). Year: a year was *not* run for every arc; what was"
        f" measured is {year_days} days of 1 arc in {SAMPLE_EVERY} (the replay's own generator"
        " restricted to those arcs), nothing extrapolated.",
        "The data is over 90 days old, beyond the hot store's retention: the backfill writes it"
        " to bronze and the lake only, as `paris-collector backfill` does for such days.",
        "dlt gets the rows of the same payloads in memory (parsed with orjson in the timing);"
        " the lake flush reads them from bronze. dlt's duckdb file and the lake are not"
        " compared in size: dlt keeps its own load tables.",
        "read_json reads the bronze `.json.gz` files as stored, unnesting `counts`; the phantom"
        " `*` row is left out as the lake sets it aside. Both queries must give the same"
        " answer or the benchmark fails.",
    ]
    return section
