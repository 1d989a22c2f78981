"""Traffic fetch: a cheap change check, then only the new hours, and the geometry rarely.

1. ``/records?select=max(t_1h) as last``: if ``last`` <= the watermark, nothing is downloaded.
2. ``/exports/json`` of the hours after the watermark, without ``geo_shape`` (most of the weight).
3. The arc reference (``geo_shape`` of the latest hour) when the saved one is absent or stale.
The two answers are spliced verbatim into one payload: ``{"counts": ..., "arcs": ...|null}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from collector.http import HttpResponse
from collector.plugin import FetchContext, Fetched, SourceError
from collector.settings import Settings
from sources.traffic.settings import TrafficSettings

COUNT_FIELDS = (
    "iu_ac,libelle,t_1h,q,k,etat_trafic,etat_barre,iu_nd_amont,libelle_nd_amont,"
    "iu_nd_aval,libelle_nd_aval,geo_point_2d"
)
ARC_FIELDS = (
    "iu_ac,libelle,t_1h,iu_nd_amont,libelle_nd_amont,iu_nd_aval,libelle_nd_aval,"
    "geo_point_2d,geo_shape"
)
_HOUR = re.compile(rb'"t_1h"\s*:\s*"([^"]+)"')
_PHANTOM = re.compile(rb'"iu_ac"\s*:\s*"\*"')
_BROKEN = b"Streaming interrupted"


async def fetch(ctx: FetchContext) -> Fetched | None:
    settings: TrafficSettings = ctx.settings
    base = f"{ctx.app.opendata_url}/api/explore/v2.1/catalog/datasets/{settings.dataset}"
    headers = ods_headers(ctx.app)
    check = await ctx.http.get(
        f"{base}/records", params={"select": "max(t_1h) as last", "limit": 1}, headers=headers
    )
    last = newest_hour(check)
    watermark = _time(ctx.state.get("watermark"))
    if last is None or (watermark is not None and last <= watermark):
        ctx.log.debug("traffic unchanged upstream", last=_iso(last), watermark=_iso(watermark))
        return None

    since = watermark or last - timedelta(hours=settings.backfill_hours)
    until = min(last, since + timedelta(hours=settings.max_hours_per_run))
    counts = await ctx.http.get(
        f"{base}/exports/json",
        params={
            "select": COUNT_FIELDS,
            "where": f"t_1h > date'{_odsql(since)}' and t_1h <= date'{_odsql(until)}'",
            "order_by": "t_1h",
            "timezone": "UTC",
        },
        headers=headers,
        timeout=settings.export_timeout,
    )
    check_export(counts)

    arcs_body: bytes | None = None
    arcs_at = _time(ctx.state.get("arcs_at"))
    if arcs_at is None or ctx.now - arcs_at >= timedelta(hours=settings.arcs_refresh_hours):
        arcs = await ctx.http.get(
            f"{base}/exports/json",
            params={
                "select": ARC_FIELDS,
                "where": f"t_1h = date'{_odsql(last)}'",
                "timezone": "UTC",
            },
            headers=headers,
            timeout=settings.export_timeout,
        )
        check_export(arcs)
        arcs_body, arcs_at = arcs.body, ctx.now

    raw_hours = set(_HOUR.findall(counts.body))
    hours = {h for h in (_time(raw.decode()) for raw in raw_hours) if h is not None}
    state = {"watermark": _iso(max(hours) if hours else until) or ""}
    if arcs_at is not None:
        state["arcs_at"] = _iso(arcs_at) or ""
    payload = b'{"counts":' + counts.body + b',"arcs":' + (arcs_body or b"null") + b"}"
    meta = {
        "url": counts.url,
        "status": str(counts.status),
        "hours": str(len(hours)),
        "phantom_rows": str(len(_PHANTOM.findall(counts.body))),
        "arcs": "refreshed" if arcs_body is not None else "kept",
    }
    return Fetched(payload=payload, meta=meta, state=state)


def ods_headers(app: Settings) -> Mapping[str, str]:
    """``Authorization: Apikey <key>`` when an Opendatasoft key is configured."""
    key = app.opendata_apikey
    return {"Authorization": f"Apikey {key.get_secret_value()}"} if key else {}


def newest_hour(response: HttpResponse) -> datetime | None:
    """``last`` of the change check; ``None`` when the dataset is empty."""
    body: Any = response.json()
    try:
        value = body["results"][0]["last"]
    except (KeyError, IndexError, TypeError):
        raise SourceError(f"unexpected change-check answer from {response.url}") from None
    moment = _time(value) if isinstance(value, str) else None
    if value is not None and moment is None:
        raise SourceError(f"unreadable max(t_1h) {value!r} from {response.url}")
    return moment


def check_export(response: HttpResponse) -> None:
    """An export cut mid-stream is an error: the watermark must not move."""
    tail = response.body[-4096:].rstrip()
    if not tail.endswith(b"]") or not response.body.lstrip().startswith(b"["):
        raise SourceError(f"export from {response.url} is truncated ({len(response.body)} bytes)")
    if _BROKEN in response.body:
        raise SourceError(f"export from {response.url} was interrupted upstream")


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _odsql(moment: datetime) -> str:
    """A full UTC timestamp for an ODSQL ``date'...'`` literal (the query says timezone=UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
