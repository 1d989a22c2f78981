"""Why a target is missed: what profiling found (cProfile / pyinstrument, bench group).

Shown in docs/benchmarks.md under a target only when the run misses it. Written from profiles
of the code at the commit the docs name; the figures they quote are shares of a profile, the
measurements themselves are in the tables.
"""

from __future__ import annotations

WHY: dict[str, str] = {
    "ingest local vs floor": (
        "The floor is one C call (orjson) over the bytes; ours validates every record. A"
        " cProfile of `build_batch` on the hour: pydantic validation ~35% (with the two Python"
        " field validators every Record runs, `entity_id` and `observed_at` normalisation in"
        " collector/plugin.py), the parser's per-row mapping (`_common`, `place`) ~25%,"
        " `model_dump(mode='json')` and Row building ~20%, the JSON parse itself ~10%; then the"
        " SQLite upserts into two tables (history + latest view, three B-trees) add about as"
        " much as the validation. Beating the floor would mean dropping per-record validation,"
        " the parser's contract: not done. Fixed in this issue: the cyclic GC is paused while a"
        " payload is parsed (build_batch ~40% faster: tens of thousands of acyclic containers"
        " were triggering collections), each observation time is formatted once per batch"
        " (strftime was ~12% of build_batch) and rows reach SQLite in key order (the write ~40%"
        " faster). Note: in the replay upstream, geometry is 42% of"
        " the full export; the upstream notes say real geometry makes it ~5x the counts, which"
        " would raise the floor (not measured here)."
    ),
    "ingest local vs parse of the download": (
        "Compared with the plugin's parse (orjson + pydantic, what any validated ingest must"
        " do), what remains is `model_dump(mode='json')` of each record (the Row contract of"
        " collector/storage/base.py is a JSON-ready mapping, shared with the DynamoDB backend)"
        " and writing each record twice (history and the latest view). Handing SQLite the"
        " record already serialised once (`model_dump_json`) would remove one of those passes;"
        " it changes the Row contract of both backends, outside this issue's files."
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
