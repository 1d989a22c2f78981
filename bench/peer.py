"""4. Peer: the same traffic payloads loaded by dlt into duckdb, merge on (iu_ac, t_1h).

Both sides get the same bytes: the publisher's full hourly exports (geometry included) of a
day. Ours ingests each into a fresh local store (:func:`collector.ingest.ingest`, the export
spliced into the traffic bundle format); dlt runs one pipeline over the same exports with
``write_disposition="merge"`` and ``primary_key=("iu_ac", "t_1h")`` into its default local
destination, duckdb. Both timings include the JSON parse (orjson on both sides).

Needs the ``bench`` dependency group: ``uv run --group bench python -m bench``.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from bench.common import LAST_HOUR, START, Env, Section, hours_before, median, num, ratio, secs
from bench.payloads import as_bundle, full_export
from collector import keys
from collector.ingest import ingest
from collector.storage.local import LocalStore
from sources.traffic import SOURCE

HOURS = 4  # dlt needs ~25 s per hour here: a day would take ~10 min per run


def available() -> bool:
    return importlib.util.find_spec("dlt") is not None


async def ours(folder: Path, exports: list[bytes]) -> float:
    async with LocalStore(folder) as store:
        await store.init()
        start = time.perf_counter()
        for index, export in enumerate(exports):
            key = keys.raw_key("traffic", START.replace(microsecond=index))
            await ingest(store, SOURCE, as_bundle(export), key, retention_days=90, now=START)
        return time.perf_counter() - start


def with_dlt(folder: Path, exports: list[bytes]) -> float:
    return dlt_merge(folder, "bench_traffic", lambda: (orjson.loads(e) for e in exports))


def dlt_merge(folder: Path, name: str, batches: Callable[[], Iterable[Any]]) -> float:
    """Seconds for dlt to load the traffic rows of ``batches()`` into duckdb, merged on the
    same key as ours (``iu_ac``, ``t_1h``); each batch is a row or a list of rows."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ["DLT_DATA_DIR"] = str(folder / "dlt-data")
    os.environ["DLT_PROJECT_DIR"] = str(folder)
    # dlt's schema-inference warnings (a nested field it flattens) would drown the output.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    import dlt

    @dlt.resource(name="traffic", write_disposition="merge", primary_key=("iu_ac", "t_1h"))
    def traffic() -> Any:
        yield from batches()

    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(folder / "peer.duckdb")),
        dataset_name="paris",
        pipelines_dir=str(folder / "pipelines"),
    )
    start = time.perf_counter()
    pipeline.run(traffic())
    return time.perf_counter() - start


def dlt_version() -> str:
    from importlib.metadata import version

    return f"dlt {version('dlt')}, duckdb {version('duckdb')}"


async def run(env: Env) -> Section:
    section = Section("4. Peer: dlt into duckdb, the same payloads")
    if not available():
        section.notes.append(
            "Skipped: dlt is not installed. Run `uv run --group bench python -m bench`."
        )
        section.check("ours vs dlt", "not measured", ">= 20x faster", None, None)
        return section
    hours = 1 if env.quick else HOURS
    exports = [full_export(env, hour) for hour in hours_before(LAST_HOUR, hours)]
    rows = sum(len(orjson.loads(e)) for e in exports)
    size = sum(len(e) for e in exports)
    runs = 1 if env.quick else max(1, min(env.runs, 3))
    dlt_runs = 1 if env.quick else 2
    mine = median([await ours(env.fresh_dir("peer-ours"), exports) for _ in range(runs)])
    theirs = median([with_dlt(env.fresh_dir("peer-dlt"), exports) for _ in range(dlt_runs)])
    speedup = ratio(theirs, mine)
    section.row("payload", f"{hours} full hourly exports, {size / 1e6:,.1f} MB, {rows:,} rows")
    section.row("**ours, local** (SQLite)", f"{secs(mine)} = {num(rows / mine)} records/s")
    section.row(f"dlt ({dlt_version()}), merge", f"{secs(theirs)} = {num(rows / theirs)} records/s")
    section.check(
        "ours vs dlt",
        f"{secs(mine)} vs {secs(theirs)} ({speedup:,.1f}x faster)",
        ">= 20x faster",
        speedup,
        speedup >= 20,
    )
    section.notes += [
        f"Ours: median of {runs} runs; dlt: median of {dlt_runs} (a run takes minutes here);"
        " each into a fresh store / pipeline directory. A day (24 exports) was not run:"
        f" {HOURS} hours keep the benchmark under ~5 min.",
        "dlt keeps every field, normalising `geo_shape` into child tables; ours keeps the"
        " counts (the geometry lives in the arc reference, downloaded once a day) and writes"
        " both the history and the latest view.",
    ]
    return section
