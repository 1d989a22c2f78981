"""Departures fetch: Navitia ``/departures`` per stop area, realtime and base schedule, bundled.

``{"stop_area:SNCF:87686006": <realtime answer verbatim>, ..., "base_schedule": {...}}``:
the realtime board every run; the base schedule (where Navitia still shows a cancelled train,
linked to its ``NO_SERVICE`` disruption, which the realtime board omits) every
``base_schedule_every`` runs. A station answering 400/404 (``unknown_object``,
``no_departure_this_day``...) is kept as its error body and the others still land; 401/403
(token) fails the whole run; 429 and 5xx are retried by the HTTP client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from collector.http import error_message
from collector.plugin import FetchContext, Fetched, SourceError
from collector.settings import Settings
from sources.departures.settings import DeparturesSettings

TOKEN_HELP = "set PARIS_SNCF_TOKEN to a key from https://numerique.sncf.com/startup/api/"
EXTRA = "base_schedule"
"""The payload key of the base schedule answers (stop area ids start with ``stop_area:``)."""
RUNS_SINCE_BASE = "runs_since_base_schedule"
"""State: runs since the last one that asked the base schedule (absent: ask it now)."""


def disabled_reason(app: Settings, settings: Any) -> str | None:
    """Without a token every call would answer 401: the source does not run."""
    token = app.sncf_token
    if token is None or not token.get_secret_value().strip():
        return f"no SNCF API token: {TOKEN_HELP}"
    return None


@dataclass
class Board:
    """The answers of one kind (``realtime`` or ``base_schedule``) for every stop area."""

    freshness: str
    parts: list[bytes] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    def add(self, stop_area: str, body: bytes) -> None:
        self.parts.append(orjson.dumps(stop_area) + b":" + body)

    def json(self) -> bytes:
        """``{stop_area: answer}``, every answer verbatim."""
        return b"{" + b",".join(self.parts) + b"}"


def base_schedule_due(settings: DeparturesSettings, state: Mapping[str, str]) -> bool:
    """Whether this run asks the base schedule too: the first run, then every N runs."""
    every = settings.schedule_every
    if every is None:
        return False
    try:
        since = int(state.get(RUNS_SINCE_BASE, ""))
    except ValueError:
        return True
    return since + 1 >= every


async def fetch(ctx: FetchContext) -> Fetched:
    settings: DeparturesSettings = ctx.settings
    if ctx.app.sncf_token is None:
        raise SourceError(f"no SNCF API token: {TOKEN_HELP}")
    token = ctx.app.sncf_token.get_secret_value().strip()
    main = await _board(ctx, token, settings.data_freshness)
    if len(main.unreachable) == len(settings.stop_areas):
        raise SourceError(f"every station failed; the last: {main.unreachable[-1]}")
    if len(main.empty) == len(settings.stop_areas):
        # Not an error (a night with no train), but never a silent success: the run is
        # reported ``empty`` by the core, and said here with the window asked for.
        ctx.log.debug(
            "every station answered an empty board",
            stations=len(main.empty),
            window_minutes=settings.duration_minutes,
        )
    boards = [main]
    if base_schedule_due(settings, ctx.state):
        boards.append(await _board(ctx, token, "base_schedule"))
        since = 0
    else:
        since = int(ctx.state.get(RUNS_SINCE_BASE, "0")) + 1
    meta = {
        "stations": str(len(settings.stop_areas)),
        "failed": ",".join(main.failed),
        "empty": ",".join(main.empty),
        "boards": ",".join(b.freshness for b in boards),
    }
    # The main board's answers at the top, as before the base schedule was asked (old bronze
    # and parsers that wrap this one read it unchanged); the base schedule under its key.
    extra = [orjson.dumps(EXTRA) + b":" + b.json() for b in boards[1:]]
    payload = b"{" + b",".join([*main.parts, *extra]) + b"}"
    state = {RUNS_SINCE_BASE: str(since)} if settings.schedule_every else {}
    return Fetched(payload=payload, meta=meta, state=state)


async def _board(ctx: FetchContext, token: str, freshness: str) -> Board:
    settings: DeparturesSettings = ctx.settings
    params: dict[str, str | int] = {
        "data_freshness": freshness,
        "duration": settings.duration_minutes * 60,
        "count": settings.count,
    }
    base = f"{ctx.app.sncf_url}/v1/coverage/{settings.coverage}/stop_areas"
    board = Board(freshness)
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
            board.unreachable.append(str(exc))
            board.failed.append(stop_area)
            board.add(
                stop_area, orjson.dumps({"error": {"id": "unreachable", "message": str(exc)}})
            )
            continue
        body = response.body
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            answer = {"error": {"id": "invalid_json", "message": f"{len(body)} bytes, not JSON"}}
            body = orjson.dumps(answer)
        if response.status != 200 or not isinstance(answer, dict) or "error" in answer:
            board.failed.append(stop_area)
            ctx.log.warning(
                "station answered an error",
                stop_area=stop_area,
                data_freshness=freshness,
                status=response.status,
                error=error_message(body),
            )
        elif _truncated(answer):
            ctx.log.warning("more departures than count: raise count", stop_area=stop_area)
        elif not answer.get("departures"):
            board.empty.append(stop_area)
        board.add(stop_area, body)
    return board


def _truncated(answer: dict[str, Any]) -> bool:
    page = answer.get("pagination")
    if not isinstance(page, dict):
        return False
    total, shown = page.get("total_result"), page.get("items_on_page")
    return isinstance(total, int) and isinstance(shown, int) and total > shown
