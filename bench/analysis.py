"""Why a target is missed: what profiling found (cProfile / pyinstrument, bench group).

Shown in docs/benchmarks.md under a target only when the run misses it. Written from profiles
of the code at the commit the docs name; the figures they quote are shares of a profile, the
measurements themselves are in the tables.
"""

from __future__ import annotations

WHY: dict[str, str] = {
    "ingest local vs floor": (
        "The floor is one C call (orjson) over the bytes; ours validates every record and"
        " writes it to two tables. Done in issue 16: a payload is validated in one pydantic"
        " call (`validate_many`, each bad row then validated alone for its reason), records"
        " are serialised once (`model_dump` per record type, one JSON text reused by both"
        " tables: `Row.data_json`), `observed_at` skips its conversion when already whole UTC"
        " seconds, and unchanged records are not written. Standalone on a quiet machine that"
        " took build_batch from ~65 ms to ~38 ms and SQLite put_rows from ~43 ms to ~24 ms. What"
        " is left: the SQLite writes of the history and the latest view alone take about as"
        " long as the floor, and validation of ~3,000 models still costs more than the parse."
        " Reaching 1x would mean overlapping the write with the next payload's parse (a Store"
        " API change) or not validating, the parser's contract: not done."
    ),
    "ingest local vs parse of the download": (
        "Compared with the plugin's parse (orjson + pydantic, what any validated ingest must"
        " do), what remains is building the rows and writing each record twice (history and"
        " the latest view) in one SQLite transaction."
    ),
    "DynamoDB requests per 1,000 items": (
        "Writes are full BatchWriteItem batches of 25 (40 per 1,000 items); the rest is the one"
        " Query that reads the latest view's marks before writing it. On a small batch"
        " (--quick) that Query weighs more than on a full hour."
    ),
    "API in-process SQLite p99 `/traffic`": (
        "cProfile of 10 requests: ~30% in api/chalicelib/listing.py `natural()` (the natural"
        " sort key of 2,977 arc ids, recomputed on every request), ~20% `orjson.loads` of the"
        " rows in `read_latest`, ~12% joining the geometry, ~5% serialising 480 KiB. For the"
        " API's owner: cache the sort keys per snapshot, or sort once in SQL."
    ),
    "ours vs dlt": (
        "Both parse the same full exports with orjson. Ours pays for what the full export"
        " carries and it does not keep (the geometry of every row is parsed, then dropped:"
        " in steady state it downloads the counts without geometry, see benchmark 1), plus"
        " validation and two writes per record; dlt normalises every nested field (the"
        " geometry into child tables) and merges through staging tables in duckdb. Its fixed"
        " cost per run (pipeline state, schema, duckdb) weighs more on a day than on 4 hours,"
        " so the ratio on the day asked for is likely higher (not measured: ~10 min per run)."
    ),
}
