"""A source plugin that lives outside ``sources/``: the drop-in folder of the core's tests.

It reads ``{url}/counters.json``: ``[{"id": "a", "at": "2025-11-04T19:00:00+00:00",
"value": 3}, ...]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import orjson

from collector.plugin import (
    FetchContext,
    Fetched,
    Notice,
    Parsed,
    Record,
    Source,
    SourceError,
    SourceSettings,
    validate,
)


class CounterSettings(SourceSettings):
    url: str = "http://127.0.0.1:9/"
    fail_on_empty: bool = False


class Reading(Record):
    value: int


async def fetch(ctx: FetchContext) -> Fetched | None:
    url = ctx.settings.url.rstrip("/") + "/counters.json"
    response = await ctx.http.get(url)
    if response.body.strip() == b"[]":
        if ctx.settings.fail_on_empty:
            raise SourceError("upstream answered an empty list")
        return None
    return Fetched(
        payload=response.body,
        meta={"url": url, "status": str(response.status)},
        state={"last_bytes": str(len(response.body))},
    )


KNOWN = {"id", "at", "value"}


def parse(payload: bytes) -> Iterable[Parsed]:
    rows = orjson.loads(payload)
    extra = sorted({key for row in rows for key in row} - KNOWN)
    if extra:
        yield Notice(key=f"new_fields:{','.join(extra)}", message=f"upstream added {extra}")
    for row in rows:
        yield validate(
            Reading,
            {"entity_id": row.get("id"), "observed_at": row.get("at"), "value": row.get("value")},
        )


SOURCE = Source(
    name="counter",
    description="test counters",
    interval=timedelta(seconds=1),
    records=(Reading,),
    fetch=fetch,
    parse=parse,
    settings=CounterSettings,
)
