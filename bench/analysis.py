"""Why a target is missed: what profiling found (cProfile / pyinstrument, bench group).

Shown in docs/benchmarks.md under a target only when the run misses it. Written from profiles
of the code at the commit the docs name; the figures they quote are shares of a profile, the
measurements themselves are in the tables.
"""

from __future__ import annotations

WHY: dict[str, str] = {
    "ingest local vs floor": (
        "The floor is one C call (orjson) over the bytes; ours validates every record into a"
        " pydantic model and writes it to two tables. Done in issue 16: one pydantic call per"
        " payload (`validate_many`, each bad row then validated alone for its reason), one"
        " serialisation per record reused by both tables (`Row.data_json`), unchanged records"
        " not written, and put_rows binds each row once into a temporary table and fills the"
        " history and the latest view from it with one INSERT ... SELECT each (on an hour,"
        " put_rows -25% and the whole ingest -10%: 129 ms vs 144 ms wall, old and new code"
        " alternating in one process, medians of 61 runs on the shared machine). Measured and"
        " not taken: `validate_json` straight from the bytes with the upstream names as"
        " validation aliases (46.5 ms vs 48.5 ms for today's orjson + mapping +"
        " `validate_python`: pydantic builds the same 2,977 models and runs the same Python"
        " validators, and the computed arrondissement needs one more); `json_each` over one JSON"
        " array instead of binding rows (SQLite 3.40 parses the array in ~20 ms CPU where"
        " binding takes ~8 ms); `dump_json` per type (the rows need a text per record and the"
        " dict: DynamoDB, the ledger and the quality checks read `Row.data`). What is left,"
        " thread CPU time per hour on the shared machine: model validation ~14 ms of which ~5 ms"
        " the Record validators written in Python (entity id not `latest`, observed_at to UTC),"
        " the JSON parse ~3-8 ms, mapping the upstream rows ~4-8 ms, serialisation ~13 ms, the"
        " quality checks ~7 ms, building the rows ~10 ms, and SQLite's inserts into the two"
        " WITHOUT ROWID tables ~11 ms plus ~8 ms binding: each of validation and SQLite alone is"
        " about the floor. Overlapping the write of one payload with the parse of the next"
        " (replay, backfill: several payloads) gave -13% wall time per payload in a prototype;"
        " it does not help one hour and is not done."
    ),
    "ingest local vs parse of the download": (
        "Compared with the plugin's parse (orjson + pydantic, what any validated ingest must"
        " do), what remains is serialising and flagging the records, building the rows and"
        " writing each record twice (history and the latest view) in one SQLite transaction."
    ),
    "DynamoDB requests per 1,000 items": (
        "Writes are full BatchWriteItem batches of 25 (40 per 1,000 items); the rest is the one"
        " Query that reads the latest view's marks before writing it. On a small batch"
        " (--quick) that Query weighs more than on a full hour."
    ),
    "API in-process SQLite p99 `/traffic`": (
        "The outliers were full GC collections: each request joined and sorted 2,977 arcs "
        "afresh (~8,000 tracked objects, ~11 young collections per request), and the survivors "
        "set off full passes over the whole bench process, 100-600 ms each. Done in issue 16: "
        "the read layer reuses the decoded snapshot while its bytes are unchanged and keeps "
        "each id's sort key; `/traffic` keeps its join with the geometry, in arc id order "
        "(api/chalicelib/joined.py) while its inputs are the same objects; section 6's 'GC "
        "during' row shows the collections left. What a request still costs (~20 ms of CPU): "
        "~12 ms masking every source state to read one source's freshness (the masking reader "
        "runs the secret patterns over parking's 62 KB reference kept in its state: a fix for "
        "the storage layer's owner, e.g. a read of one state), then serialising 488 KiB and its"
        " ETag. A miss left is the shared machine's load: the wall clock counts waits for a "
        "core."
    ),
    "API app import vs boto3": (
        "Timed as Lambda imports the app: with the frozen manifest its bundle carries. Until"
        " issue 16 the bench timed the local app, which discovers the plugins to declare their"
        " routes and so imports aiohttp, shapely and numpy (the 'plugins discovered' row; the"
        " bundle has none of them). A miss here means the cold start imports something new:"
        " `python -X importtime -c 'import app'` in api/ with `PARIS_API_MANIFEST` set names"
        " it. During issue 16 a chain through the ledger (collector.ledger.tally ->"
        " collector.logs -> structlog, whose structlog.dev imports rich and pygments) took"
        " ~35 % of the import until its owner removed it from the cold start."
    ),
    "RSS growth, tick 100 to 1000": (
        "Not a leak: in section 7 the objects the GC tracks, Python's allocator blocks"
        " and the bytes malloc has lent stay flat while the free memory glibc keeps grows, and"
        " `malloc_trim(0)` gives it back (RSS after it is below tick 100's). glibc keeps freed"
        " memory per arena, and parsing and the snapshots run in worker threads, each of which"
        " may get an arena; bounding them (`MALLOC_ARENA_MAX=2` in the child's environment)"
        " flattened the growth in a hand run. For the operator: that setting in the systemd"
        " unit, or a `malloc_trim(0)` after runs in the daemon (neither done here)."
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
