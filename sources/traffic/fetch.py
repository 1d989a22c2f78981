"""Traffic fetch: a cheap change check, then only the new hours, and the geometry rarely.

1. ``/records?select=min(t_1h) as first, max(t_1h) as last&where=t_1h > <watermark>``: the
   first and last hours published after the watermark; none means nothing is downloaded (a
   first run asks ``max(t_1h)`` alone first, to place the watermark ``backfill_hours`` below).
2. ``/exports/json`` of the hours ``(watermark, until]``, ``until`` at most ``max_hours_per_run``
   from ``first``, without ``geo_shape`` (most of the weight). The change check promised at
   least the hour ``first`` in that window: an export without it is a failed run, retried.
3. The arc reference (``geo_shape`` of the newest hour) when the saved one is absent or stale.
The answers are spliced verbatim into one payload:
``{"counts": ..., "arcs": ...|null, "window": {"since": ..., "until": ...}}``; the parser sets
aside a row dated after ``until``, so one bad row never moves the watermark into the future.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

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
# The publisher's hours are past hours: one beyond the clock plus this skew is a bad value.
HORIZON = timedelta(hours=2)
_HOUR = re.compile(rb'"t_1h"\s*:\s*"([^"]+)"')
_PHANTOM = re.compile(rb'"iu_ac"\s*:\s*"\*"')
_BROKEN = b"Streaming interrupted"


async def fetch(ctx: FetchContext) -> Fetched | None:
    settings: TrafficSettings = ctx.settings
    base = f"{ctx.app.opendata_url}/api/explore/v2.1/catalog/datasets/{settings.dataset}"
    headers = ods_headers(ctx.app)
    watermark = _time(ctx.state.get("watermark"))
    if watermark is None:
        check = await ctx.http.get(
            f"{base}/records", params={"select": "max(t_1h) as last", "limit": 1}, headers=headers
        )
        newest = hours_of(check, "last")[0]
        if newest is None:
            ctx.log.debug("traffic dataset empty upstream")
            return None
        watermark = min(newest, ctx.now + HORIZON) - timedelta(hours=settings.backfill_hours)
    since = watermark
    check = await ctx.http.get(
        f"{base}/records",
        params={
            "select": "min(t_1h) as first, max(t_1h) as last",
            "where": f"t_1h > date'{_odsql(since)}'",
            "timezone": "UTC",
            "limit": 1,
        },
        headers=headers,
    )
    first, last = hours_of(check, "first", "last")
    horizon = ctx.now + HORIZON
    if first is None or last is None or first > horizon:
        if first is not None:
            ctx.log.warning(
                "traffic change check announces only hours in the future: ignored",
                first=_iso(first),
                now=_iso(ctx.now),
            )
        ctx.log.debug("traffic unchanged upstream", last=_iso(last), watermark=_iso(since))
        return None
    until = min(last, first + timedelta(hours=settings.max_hours_per_run - 1), horizon)
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
    hours = {h for h in (_time(raw.decode()) for raw in _HOUR.findall(counts.body)) if h}
    in_window = {h for h in hours if since < h <= until}
    if not in_window:
        phantom = len(_PHANTOM.findall(counts.body))
        raise SourceError(
            f"the change check announced hours from {_iso(first)} to {_iso(last)}, but the "
            f"export of ({_iso(since)}, {_iso(until)}] held no row of them ({len(hours)} other "
            f"hours, {phantom} phantom rows, {len(counts.body)} bytes): the watermark stays"
        )
    newest_stored = max(in_window)

    arcs_body: bytes | None = None
    arcs_at = _time(ctx.state.get("arcs_at"))
    if arcs_at is None or ctx.now - arcs_at >= timedelta(hours=settings.arcs_refresh_hours):
        arcs = await ctx.http.get(
            f"{base}/exports/json",
            params={
                "select": ARC_FIELDS,
                "where": f"t_1h = date'{_odsql(newest_stored)}'",
                "timezone": "UTC",
            },
            headers=headers,
            timeout=settings.export_timeout,
        )
        check_export(arcs)
        arcs_body, arcs_at = arcs.body, ctx.now

    # The watermark moves over the hours this payload holds, never past ``until``: the
    # runner saves it only once silver holds their rows.
    state = {"watermark": _iso(newest_stored) or ""}
    if arcs_at is not None:
        state["arcs_at"] = _iso(arcs_at) or ""
    window = orjson.dumps({"since": _iso(since), "until": _iso(until)})
    payload = (
        b'{"counts":'
        + counts.body
        + b',"arcs":'
        + (arcs_body or b"null")
        + b',"window":'
        + window
        + b"}"
    )
    meta = {
        "url": counts.url,
        "status": str(counts.status),
        "hours": str(len(in_window)),
        "hours_outside_window": str(len(hours - in_window)),
        "phantom_rows": str(len(_PHANTOM.findall(counts.body))),
        "arcs": "refreshed" if arcs_body is not None else "kept",
    }
    return Fetched(payload=payload, meta=meta, state=state, expect_records=True)


def ods_headers(app: Settings) -> Mapping[str, str]:
    """``Authorization: Apikey <key>`` when an Opendatasoft key is configured."""
    key = app.opendata_apikey
    return {"Authorization": f"Apikey {key.get_secret_value()}"} if key else {}


def hours_of(response: HttpResponse, *names: str) -> tuple[datetime | None, ...]:
    """The named hours of a change-check answer; ``None`` for an empty dataset or window."""
    body: Any = response.json()
    try:
        row = body["results"][0]
        values = [row[name] for name in names]
    except (KeyError, IndexError, TypeError):
        raise SourceError(f"unexpected change-check answer from {response.url}") from None
    moments: list[datetime | None] = []
    for name, value in zip(names, values, strict=True):
        moment = _time(value) if isinstance(value, str) else None
        if value is not None and moment is None:
            raise SourceError(f"unreadable {name} hour {value!r} from {response.url}")
        moments.append(moment)
    return tuple(moments)


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
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # unreadable, or out of range once in UTC
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _odsql(moment: datetime) -> str:
    """A full UTC timestamp for an ODSQL ``date'...'`` literal (the query says timezone=UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
