"""Vélib' fetch: station_information (rarely, kept in state) and station_status (always).

Every payload bundles both verbatim, so each bronze object replays on its own:
``{"fetched_at", "information_at", "information": {...}, "status": {...}}``. The feed URLs
come from the GBFS discovery file, read when the information is refreshed; if discovery
fails, the feeds beside it are used (where Vélib' has always published them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import orjson

from collector.plugin import FetchContext, Fetched, SourceError
from sources.velib.settings import VelibSettings

INFORMATION, STATUS = "station_information", "station_status"
LANGUAGES = ("fr", "en")


async def fetch(ctx: FetchContext) -> Fetched:
    settings: VelibSettings = ctx.settings
    information, information_at, status_url = await _information(ctx, settings)
    response = await ctx.http.get(status_url)
    stations = _stations(response.json(), str(response.url))
    payload = (
        b'{"fetched_at":'
        + orjson.dumps(_iso(ctx.now))
        + b',"information_at":'
        + orjson.dumps(_iso(information_at))
        + b',"information":'
        + information
        + b',"status":'
        + response.body
        + b"}"
    )
    state = {
        "information": information.decode(),
        "information_at": information_at.isoformat(),
        "status_url": status_url,
    }
    meta = {"stations": str(len(stations))}
    # A status feed that lists stations has data: none of them valid is a failed run.
    return Fetched(payload=payload, meta=meta, state=state, expect_records=bool(stations))


async def _information(ctx: FetchContext, settings: VelibSettings) -> tuple[bytes, datetime, str]:
    """The saved information while fresh (a failed refresh keeps it), and the status URL."""
    saved, saved_at = ctx.state.get("information"), _time(ctx.state.get("information_at"))
    saved_status = ctx.state.get("status_url")
    age = timedelta(hours=settings.information_refresh_hours)
    if saved and saved_at and saved_status and ctx.now - saved_at < age:
        return saved.encode(), saved_at, saved_status
    try:
        feeds = await _discover(ctx, settings.gbfs_url)
        response = await ctx.http.get(feeds[INFORMATION])
        if not _stations(response.json(), str(response.url)):
            raise SourceError(f"{response.url} lists no station")
    except SourceError as exc:
        if not saved or saved_at is None or not saved_status:
            raise
        ctx.log.warning(
            "velib station_information refresh failed, keeping the saved one", error=str(exc)
        )
        return saved.encode(), saved_at, saved_status
    return response.body, ctx.now, feeds[STATUS]


async def _discover(ctx: FetchContext, gbfs_url: str) -> dict[str, str]:
    """Feed name -> URL from ``gbfs.json``; the feeds beside it when it cannot be read."""
    beside = {name: urljoin(gbfs_url, f"{name}.json") for name in (INFORMATION, STATUS)}
    try:
        listed = _feeds((await ctx.http.get(gbfs_url)).json())
    except SourceError as exc:
        ctx.log.warning("velib GBFS discovery failed, using the feeds beside it", error=str(exc))
        return beside
    missing = {INFORMATION, STATUS} - listed.keys()
    if missing:
        ctx.log.warning("velib GBFS discovery lists no " + ", ".join(sorted(missing)))
    return {**beside, **listed}


def _feeds(body: Any) -> dict[str, str]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return {}
    # GBFS 2.x: {"data": {"<language>": {"feeds": [{"name", "url"}]}}}; prefer French.
    languages = sorted(data, key=lambda k: LANGUAGES.index(k) if k in LANGUAGES else 9)
    for language in languages:
        block = data[language]
        feeds = block.get("feeds") if isinstance(block, dict) else None
        if isinstance(feeds, list):
            return {
                str(f["name"]): str(f["url"])
                for f in feeds
                if isinstance(f, dict) and isinstance(f.get("name"), str) and f.get("url")
            }
    return {}


def _stations(body: Any, url: str) -> list[Any]:
    data = body.get("data") if isinstance(body, dict) else None
    stations = data.get("stations") if isinstance(data, dict) else None
    if not isinstance(stations, list):
        raise SourceError(f"not a GBFS station feed at {url}: no data.stations list")
    return stations


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text).astimezone(UTC) if text else None
    except (ValueError, OverflowError):
        return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
