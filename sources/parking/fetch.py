"""Parking fetch: the car park reference (rarely, kept in state) and the live counts (always).

Every payload bundles both, so each bronze object replays on its own:
``{"fetched_at", "reference_at", "reference": [...], "live": [pages] | null, "live_error",
"live_down_since"}``. A live feed that fails or is empty degrades the run to capacities and
prices; the transition is logged once each way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from collector.plugin import FetchContext, Fetched, SourceError
from collector.settings import Settings
from sources.parking.fields import COUNTER
from sources.parking.settings import ParkingSettings

PAGE = 100
MAX_OFFSET = 10_000  # Opendatasoft: offset + limit <= 10,000
REFERENCE_FIELDS = (
    "id,nom,adresse,arrdt,deleg,nb_places,nb_pmr,nb_2_rm,nb_velo,nb_voitures_electriques,"
    "hauteur_max,tarif_1h,tarif_2h,tarif_3h,tarif_4h,tarif_24h,mis_a_jour,xlong,ylat,geo_point_2d"
)


async def fetch(ctx: FetchContext) -> Fetched:
    settings: ParkingSettings = ctx.settings
    reference, reference_at = await _reference(ctx, settings)
    pages, error = await _live(ctx, settings)

    was_down = _time(ctx.state.get("live_down_since"))
    down_since = (was_down or ctx.now) if error else None
    if error and was_down is None:
        ctx.log.warning("parking live feed unavailable: capacities and prices only", error=error)
    elif was_down is not None and not error:
        ctx.log.info("parking live feed recovered", down_since=_iso(was_down))

    live = b"[" + b",".join(pages) + b"]" if pages else b"null"
    payload = (
        b'{"fetched_at":'
        + orjson.dumps(_iso(ctx.now))
        + b',"reference_at":'
        + orjson.dumps(_iso(reference_at))
        + b',"reference":'
        + reference
        + b',"live":'
        + live
        + b',"live_error":'
        + orjson.dumps(error)
        + b',"live_down_since":'
        + orjson.dumps(_iso(down_since))
        + b"}"
    )
    state = {"reference": reference.decode(), "reference_at": reference_at.isoformat()}
    if down_since is not None:
        state["live_down_since"] = down_since.isoformat()
    meta = {"live": "down" if error else "up", "live_pages": str(len(pages))}
    # The reference always lists car parks: a payload of which none is valid is a failure.
    return Fetched(payload=payload, meta=meta, state=state, expect_records=True)


async def _reference(ctx: FetchContext, settings: ParkingSettings) -> tuple[bytes, datetime]:
    """The saved reference while it is fresh; a failed refresh keeps the old one."""
    saved, saved_at = ctx.state.get("reference"), _time(ctx.state.get("reference_at"))
    age = timedelta(hours=settings.reference_refresh_hours)
    if saved is not None and saved_at is not None and ctx.now - saved_at < age:
        return saved.encode(), saved_at
    url = _dataset(ctx.app.opendata_url, settings.reference_dataset) + "/exports/json"
    try:
        response = await ctx.http.get(
            url, params={"select": REFERENCE_FIELDS}, headers=ods_headers(ctx.app)
        )
        rows = response.json()
        if not isinstance(rows, list) or not rows:
            raise SourceError(f"car park reference from {response.url} is empty or not a list")
    except SourceError as exc:
        if saved is None or saved_at is None:
            raise
        ctx.log.warning("car park reference refresh failed, keeping the saved one", error=str(exc))
        return saved.encode(), saved_at
    return response.body, ctx.now


async def _live(ctx: FetchContext, settings: ParkingSettings) -> tuple[list[bytes], str | None]:
    """Verbatim pages of STANDARD counters, and why the feed is unusable (or None)."""
    url = _dataset(ctx.app.saemes_url, settings.live_dataset) + "/records"
    pages: list[bytes] = []
    rows = offset = 0
    try:
        for _ in range(settings.live_max_pages):
            params: dict[str, str | int] = {
                "limit": PAGE,
                "offset": offset,
                "where": f'countertype = "{COUNTER}"',
            }
            response = await ctx.http.get(url, params=params)
            body: Any = response.json()
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                return pages, f"unexpected live answer from {response.url}"
            pages.append(response.body)
            rows += len(body["results"])
            offset += PAGE
            total = body.get("total_count")
            done = not isinstance(total, int) or offset >= total or len(body["results"]) < PAGE
            if done or offset + PAGE > MAX_OFFSET:
                break
    except SourceError as exc:
        return pages, str(exc)
    return pages, None if rows else "the live feed answered no rows"


def _dataset(root: str, dataset: str) -> str:
    return f"{root}/api/explore/v2.1/catalog/datasets/{dataset}"


def ods_headers(app: Settings) -> Mapping[str, str]:
    """``Authorization: Apikey <key>`` for opendata.paris.fr when a key is configured."""
    key = app.opendata_apikey
    return {"Authorization": f"Apikey {key.get_secret_value()}"} if key else {}


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text).astimezone(UTC) if text else None
    except (ValueError, OverflowError):
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None
