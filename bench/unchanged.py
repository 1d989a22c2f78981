"""3. Unchanged tick: a traffic run when the upstream published no new hour.

Bytes and requests as counted by the run's HTTP client (bodies) and by the replay upstream's
request log (bytes sent); rows from the run result and from counting the SQLite tables.
"""

from __future__ import annotations

import sqlite3

from bench.common import Env, Section, num
from bench.services import services, source_options


def count_rows(settings_dir: object) -> int:
    conn = sqlite3.connect(f"{settings_dir}/paris.sqlite3")
    try:
        silver = conn.execute("SELECT count(*) FROM silver").fetchone()[0]
        latest = conn.execute("SELECT count(*) FROM latest").fetchone()[0]
    finally:
        conn.close()
    return int(silver) + int(latest)


async def run(env: Env) -> Section:
    section = Section("3. Unchanged tick (traffic, no new hour upstream)")
    replay = env.replay
    replay.reset()
    folder = env.fresh_dir("unchanged")
    settings = env.settings("local", folder, **source_options())
    async with services(settings) as held:
        runner = held.runners["traffic"]
        first = await runner.run()  # the newest hour and the arc reference
        before = count_rows(folder)
        replay.clear_requests()
        results = [await runner.run() for _ in range(max(env.runs, 3))]
        served = replay.bytes_sent()
        requests = replay.request_count()
        after = count_rows(folder)
        replay.advance(hours=1)
        new_hour = await runner.run()
    replay.reset()
    body = max(r.bytes for r in results)
    per_tick = served / len(results)
    written = sum(r.written for r in results) + (after - before)
    statuses = sorted({r.status for r in results})
    section.row(
        "first run (newest hour + arc reference)", f"{first.bytes:,} B, {first.requests} requests"
    )
    section.row(
        f"**unchanged tick** ({', '.join(statuses)})",
        f"{body:,} B body, {per_tick:,.0f} B sent by the upstream, "
        f"{requests / len(results):g} request(s), {written} rows written",
    )
    section.row(
        "next tick, one new hour",
        f"{new_hour.bytes:,} B, {new_hour.requests} requests, {num(new_hour.written)} rows",
    )
    section.check(
        "unchanged tick downloads",
        f"{per_tick:,.0f} B in {requests / len(results):g} request(s)",
        "<= 2 KB",
        per_tick / 2048,
        per_tick <= 2048,
    )
    section.check("unchanged tick writes", f"{written} rows", "0 rows", None, written == 0)
    section.notes.append(
        f"{len(results)} unchanged ticks; rows counted in the run results and in the SQLite"
        " tables (silver + latest) before and after."
    )
    return section
