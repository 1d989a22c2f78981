"""Rebuild silver from bronze: every raw payload of a source, parsed again and upserted.

Upserts are idempotent by key, so a replay over rows that already exist changes nothing but
what a fixed parser now reads differently.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from collector import keys
from collector.ingest import ParseFailure, ingest
from collector.ledger.record import record
from collector.plugin import Source, SourceSettings
from collector.storage.base import Store


@dataclass
class ReplayReport:
    payloads: int = 0
    records: int = 0
    written: int = 0
    invalid: int = 0
    failures: list[str] = field(default_factory=list)


def _days(since: datetime, until: datetime) -> list[date]:
    day, last = since.astimezone(UTC).date(), until.astimezone(UTC).date()
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def check_window(since: datetime | None, until: datetime | None, now: datetime) -> None:
    """Raise ``ValueError``, naming both ends, for a window a person asked for that can hold no
    payload: ``since`` after ``until`` (or, with no ``until``, after ``now``)."""
    end, name = (until, "--until") if until is not None else (now, "now")
    if since is not None and since > end:
        raise ValueError(f"--since {since.isoformat()} is later than {name} {end.isoformat()}")


async def bronze_keys(
    store: Store, source: str, since: datetime | None, until: datetime | None
) -> list[str]:
    """Bronze keys of ``source`` fetched in ``[since, until]``, oldest first."""
    if since is None:
        found = await store.list_raw(keys.raw_prefix(source))
    else:
        found = []
        for day in _days(since, until or datetime.now(UTC)):
            found += await store.list_raw(keys.raw_prefix(source, day))
    out = []
    for key in found:
        try:
            fetched = keys.raw_key_time(key)
        except ValueError:
            continue
        if (since is None or fetched >= since) and (until is None or fetched <= until):
            out.append(key)
    return out


async def replay(
    store: Store,
    source: Source,
    retention_days: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    keys_: list[str] | None = None,
    settings: SourceSettings | None = None,
) -> ReplayReport:
    report = ReplayReport()
    todo = keys_ if keys_ is not None else await bronze_keys(store, source.name, since, until)
    for key in todo:
        raw = await store.get_raw(key)
        try:
            payload = gzip.decompress(raw.body)
            batch = await ingest(store, source, payload, key, retention_days=retention_days)
        except (ParseFailure, OSError, EOFError) as exc:
            report.failures.append(f"{key}: {exc}")
        else:
            # Counted at the payload's own fetch time: the slot it was fetched in.
            fetched_at = keys.raw_key_time(key)
            await record(
                store, source, settings, batch, fetched_at=fetched_at, now=datetime.now(UTC),
                raw_key=key,
            )  # fmt: skip
            report.records += batch.records
            report.written += batch.valid
            report.invalid += len(batch.rejects)
        report.payloads += 1
        if progress is not None:
            progress(1)
    return report
