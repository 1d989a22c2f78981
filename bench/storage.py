"""5. Storage efficiency: DynamoDB requests per 1,000 items, bronze bytes per day of traffic,
DynamoDB writes per day per source before and after the unchanged-record skip (bench/writes.py).

DynamoDB: counted by botocore event hooks during benchmark 1's ingest of the hour on the moto
server (every HTTP request, retries included; items in each write). Bronze: a day of traffic
runs through the daemon's runner (24 hourly runs, the arc reference once), against the
publisher's 24 full exports gzipped (what keeping the full export would store).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from bench import writes
from bench.common import LAST_HOUR, Env, Section, hours_before, kib, ratio
from bench.payloads import full_export
from bench.services import services, source_options


def bronze_bytes(folder: Path) -> tuple[int, int, int]:
    """(gzip payload bytes, metadata bytes, payloads) under ``folder/bronze``."""
    body = meta = count = 0
    for path in (folder / "bronze").rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith(".meta.json"):
            meta += path.stat().st_size
        else:
            body += path.stat().st_size
            count += 1
    return body, meta, count


async def run(env: Env) -> Section:
    section = Section("5. Storage efficiency")
    counted = env.shared.get("dynamo")
    if counted is None:
        section.check("DynamoDB requests / 1,000 items", "not measured", "<= 41", None, None)
    else:
        counter, records = counted
        per_1000 = counter.requests / counter.items * 1000
        writes_1000 = counter.writes / counter.items * 1000
        section.row(
            "DynamoDB, one hour ingested",
            f"{records:,} records = {counter.items:,} items; {counter.requests} HTTP requests"
            f" ({counter.writes} writes)",
        )
        section.row(
            "**HTTP requests per 1,000 items**", f"{per_1000:.1f} ({writes_1000:.1f} writes)"
        )
        section.row("naive (PutItem per item)", "1,000.0")
        section.check(
            "DynamoDB requests per 1,000 items",
            f"{per_1000:.1f} (writes only: {writes_1000:.1f})",
            "<= 41",
            per_1000 / 41,
            per_1000 <= 41,
        )
    hours = 3 if env.quick else 24
    replay = env.replay
    replay.reset()
    folder = env.fresh_dir("bronze-day")
    replay.advance(hours=-(hours - 1))  # the first run picks up the first hour of the day
    async with services(env.settings("local", folder, **source_options())) as held:
        runner = held.runners["traffic"]
        statuses = []
        for index in range(hours):
            if index:
                replay.advance(hours=1)
            statuses.append((await runner.run()).status)
    replay.reset()
    body, meta, count = bronze_bytes(folder)
    exports = [full_export(env, hour) for hour in hours_before(LAST_HOUR, hours)]
    raw = sum(len(e) for e in exports)
    zipped = sum(len(gzip.compress(e, 6)) for e in exports)
    scale = 24 / hours
    section.row(
        f"**bronze, a day of traffic** ({count} payloads)",
        f"{kib(body * scale)} gzip + {kib(meta * scale)} metadata",
    )
    section.row("full exports of the same hours, gzip -6", kib(zipped * scale))
    section.row("full exports, raw", kib(raw * scale))
    section.check(
        "bronze per day vs full exports gzipped",
        f"{kib((body + meta) * scale)} vs {kib(zipped * scale)}",
        "(no target: context)",
        ratio(body + meta, zipped),
        None,
    )
    await writes.measure(env, section)
    note = f"{hours} hourly runs" + (" scaled to 24 h (--quick)" if hours != 24 else "")
    bad = [s for s in statuses if s != "ok"]
    section.notes.append(
        f"Bronze: {note}; the arc reference (geometry) is in the first payload only."
        + (f" Runs not ok: {bad}." if bad else "")
    )
    return section
