"""Departures fetch: one Navitia ``/departures`` call per stop area, bundled into one payload.

``{"stop_area:SNCF:87686006": <answer verbatim>, ...}``: a station answering 400/404
(``unknown_object``, ``no_departure_this_day``...) is kept as its error body and the others still
land; 401/403 (token) fails the whole run; 429 and 5xx are retried by the HTTP client.
"""

from __future__ import annotations

from typing import Any

import orjson

from collector.http import error_message
from collector.plugin import FetchContext, Fetched, SourceError
from collector.settings import Settings
from sources.departures.settings import DeparturesSettings

TOKEN_HELP = "set PARIS_SNCF_TOKEN to a key from https://numerique.sncf.com/startup/api/"


def disabled_reason(app: Settings, settings: Any) -> str | None:
    """Without a token every call would answer 401: the source does not run."""
    token = app.sncf_token
    if token is None or not token.get_secret_value().strip():
        return f"no SNCF API token: {TOKEN_HELP}"
    return None


async def fetch(ctx: FetchContext) -> Fetched:
    settings: DeparturesSettings = ctx.settings
    if ctx.app.sncf_token is None:
        raise SourceError(f"no SNCF API token: {TOKEN_HELP}")
    token = ctx.app.sncf_token.get_secret_value().strip()
    params: dict[str, str | int] = {
        "data_freshness": settings.data_freshness,
        "duration": settings.duration_minutes * 60,
        "count": settings.count,
    }
    base = f"{ctx.app.sncf_url}/v1/coverage/{settings.coverage}/stop_areas"
    parts: list[bytes] = []
    failed: list[str] = []
    unreachable: list[str] = []
    empty: list[str] = []
    for stop_area in settings.stop_areas:
        try:
            response = await ctx.http.get(
                f"{base}/{stop_area}/departures",
                params=params,
                headers={"Authorization": token},
                ok=(200, 400, 404),
            )
        except SourceError as exc:
            if exc.status in (401, 403):
                message = str(exc).replace(token, "***")
                raise SourceError(
                    f"the SNCF API refused the token ({message}): {TOKEN_HELP}", status=exc.status
                ) from None
            if exc.status == 429:  # the quota is the token's, not the station's: stop here
                raise
            # A station that stays unreachable after the retries (5xx, timeout) is recorded
            # like an error answer; the other stations still land.
            unreachable.append(str(exc))
            failed.append(stop_area)
            body = orjson.dumps({"error": {"id": "unreachable", "message": str(exc)}})
            parts.append(orjson.dumps(stop_area) + b":" + body)
            continue
        body = response.body
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            answer = {"error": {"id": "invalid_json", "message": f"{len(body)} bytes, not JSON"}}
            body = orjson.dumps(answer)
        if response.status != 200 or not isinstance(answer, dict) or "error" in answer:
            failed.append(stop_area)
            ctx.log.warning(
                "station answered an error",
                stop_area=stop_area,
                status=response.status,
                error=error_message(body),
            )
        elif _truncated(answer):
            ctx.log.warning("more departures than count: raise count", stop_area=stop_area)
        elif not answer.get("departures"):
            empty.append(stop_area)
        parts.append(orjson.dumps(stop_area) + b":" + body)
    if len(unreachable) == len(settings.stop_areas):
        raise SourceError(f"every station failed; the last: {unreachable[-1]}")
    if len(empty) == len(settings.stop_areas):
        # Not an error (a night with no train), but never a silent success: the run is
        # reported ``empty`` by the core, and said here with the window asked for.
        ctx.log.debug(
            "every station answered an empty board",
            stations=len(empty),
            window_minutes=settings.duration_minutes,
        )
    meta = {
        "stations": str(len(settings.stop_areas)),
        "failed": ",".join(failed),
        "empty": ",".join(empty),
    }
    return Fetched(payload=b"{" + b",".join(parts) + b"}", meta=meta)


def _truncated(answer: dict[str, Any]) -> bool:
    page = answer.get("pagination")
    if not isinstance(page, dict):
        return False
    total, shown = page.get("total_result"), page.get("items_on_page")
    return isinstance(total, int) and isinstance(shown, int) and total > shown
