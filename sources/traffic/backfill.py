"""Traffic backfill: the hours the publisher still holds (13 rolling months), a slice a request.

One export per slice, the hours ``(start, end]`` (``t_1h`` is the end of the measured hour),
without geometry; the payload is the live one's shape, ``{"counts", "arcs": null, "window"}``,
so ``parse``, ``replay`` and the lake read it like any other. The live watermark is not moved.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from collector.plugin import FetchContext, Fetched
from sources.traffic.fetch import COUNT_FIELDS, _iso, _odsql, check_export, ods_headers
from sources.traffic.settings import TrafficSettings


async def backfill(ctx: FetchContext, start: datetime, end: datetime) -> Fetched | None:
    settings: TrafficSettings = ctx.settings
    base = f"{ctx.app.opendata_url}/api/explore/v2.1/catalog/datasets/{settings.dataset}"
    counts = await ctx.http.get(
        f"{base}/exports/json",
        params={
            "select": COUNT_FIELDS,
            "where": f"t_1h > date'{_odsql(start)}' and t_1h <= date'{_odsql(end)}'",
            "order_by": "t_1h",
            "timezone": "UTC",
        },
        headers=ods_headers(ctx.app),
        timeout=settings.export_timeout,
    )
    check_export(counts)
    if counts.body.strip() == b"[]":
        ctx.log.info("traffic backfill: no hour published", since=_iso(start), until=_iso(end))
        return None
    window = orjson.dumps({"since": _iso(start), "until": _iso(end)})
    payload = b'{"counts":' + counts.body + b',"arcs":null,"window":' + window + b"}"
    return Fetched(
        payload=payload,
        meta={"url": counts.url, "status": str(counts.status)},
        expect_records=True,
    )
