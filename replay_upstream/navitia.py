"""SNCF Navitia: ``GET /v1/coverage/sncf/stop_areas/{id}/departures`` for the Paris termini.

Auth as Navitia does it: ``Authorization: <token>``, HTTP Basic with the token as user, or a
``key`` parameter; no token or an unknown one is a 401 with Navitia's own body.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from replay_upstream.departures_data import PARIS
from replay_upstream.faults import reshape
from replay_upstream.navitia_links import disruption_of, templated_links
from replay_upstream.navitia_shape import (
    FEED_PUBLISHERS,
    departure,
    fmt,
    station_area,
    stop_area,
)
from replay_upstream.respond import fault_of, send_json
from replay_upstream.seed_stations import STATIONS
from replay_upstream.world import WORLD

PATH = "/v1/coverage/{region}/stop_areas/{stop_area}/departures"
NO_TOKEN = (
    "no token. You can get one at http://www.navitia.io or contact your support if "
    "you’re using the opensource version of Navitia https://github.com/hove-io/navitia"
)
UNAUTHORIZED = (
    "The server could not verify that you are authorized to access the URL "
    "requested. You either supplied the wrong credentials (e.g. a bad password), "
    "or your browser doesn't understand how to supply the credentials required."
)


class NavitiaError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status, self.body = status, body


def _error(status: int, ident: str, message: str) -> NavitiaError:
    return NavitiaError(status, {"error": {"id": ident, "message": message}})


def token_of(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization") or request.query.get("key")
    if not auth:
        return None
    parts = auth.split(" ")
    if len(parts) != 2:
        return auth
    try:
        return base64.b64decode(parts[1], validate=True).decode().split(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        raise NavitiaError(401, {"message": "Unauthorized, invalid token"}) from None


def _param_error(name: str, reason: str) -> NavitiaError:
    return NavitiaError(400, {"message": f'parameter "{name}" invalid: {reason}'})


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _param_error(name, f"invalid literal for int() with base 10: '{raw}'") from None
    if not low <= value <= high:
        raise _param_error(name, f"{value} is not in [{low}, {high}]")
    return value


def _from_datetime(raw: str | None, now: datetime) -> datetime:
    if not raw:
        return now
    for pattern in ("%Y%m%dT%H%M%S", "%Y%m%dT%H%M", "%Y%m%d"):
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=PARIS)
        except ValueError:
            continue
    raise _param_error("from_datetime", "Unable to parse datetime, unknown string format")


async def departures(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    token = token_of(request)
    if not token:
        raise NavitiaError(401, {"message": NO_TOKEN})
    if world.tokens is not None and token not in world.tokens:
        raise NavitiaError(401, {"message": UNAUTHORIZED})
    region = request.match_info["region"]
    if region != "sncf":
        raise _error(404, "unknown_object", f"The region {region} doesn't exists")
    area_id = request.match_info["stop_area"]
    uic = area_id.removeprefix("stop_area:SNCF:")
    if uic not in STATIONS or not area_id.startswith("stop_area:SNCF:"):
        raise _error(404, "unknown_object", f"Invalid id : {area_id}")
    now = world.clock.now().astimezone(PARIS)
    count = _int(request, "count", 10, 0, 1000)
    page = _int(request, "start_page", 0, 0, 10_000)
    duration = _int(request, "duration", 86_400, 0, 30 * 86_400)
    freshness = request.query.get("data_freshness", "realtime")
    if freshness not in ("realtime", "base_schedule", "adapted_schedule"):
        raise _param_error(
            "data_freshness",
            f"The data_freshness argument must be in "
            f"['base_schedule', 'adapted_schedule', 'realtime'], you gave {freshness}",
        )
    start = _from_datetime(request.query.get("from_datetime"), now)
    if abs(start - now) > timedelta(days=366):
        raise _error(404, "date_out_of_bounds", "date is not in data production period")
    realtime = freshness == "realtime"
    window = world.timetable.window(uic, start, start + timedelta(seconds=duration), now, realtime)
    fault = fault_of(request)
    if fault is not None and fault.kind == "empty":
        window = []
    items = window[page * count : (page + 1) * count]
    out, disruptions = [], []
    for dep, shown in items:
        delay = dep.delay(now) if realtime else 0
        rt = realtime and (dep.realtime_info or delay > 0)
        found = disruption_of(dep, delay, now)
        if found:
            disruptions.append(found)
        item = departure(
            dep, shown, "realtime" if rt else "base_schedule", found["id"] if found else None
        )
        out.append(reshape(item, fault))
    base = f"{request.scheme}://{request.host}"
    here = f"{base}/v1/coverage/sncf/stop_areas/{area_id}/departures"
    common = {"count": count, "data_freshness": freshness}
    first = f"{here}?{urlencode({'from_datetime': fmt(start)[:8], **common})}"
    links = [*templated_links(base), {"href": first, "type": "first", "templated": False}]
    if items:
        second = timedelta(seconds=1)
        before = {**common, "until_datetime": fmt(items[0][1] - second)}
        after = {**common, "from_datetime": fmt(items[-1][1] + second)}
        for rel, params in (("prev", before), ("next", after)):
            href = f"{here}?{urlencode(params)}"
            links.append({"href": href, "templated": False, "rel": rel, "type": "departures"})
    terminus = {d.destination[0]: stop_area(*d.destination) for d, _ in items}
    body = {
        "pagination": {
            "total_result": len(window),
            "start_page": page,
            "items_per_page": count,
            "items_on_page": len(items),
        },
        "feed_publishers": FEED_PUBLISHERS,
        "disruptions": disruptions,
        "origins": [station_area(uic)],
        "terminus": sorted(terminus.values(), key=lambda a: a["name"]),
        "context": {"current_datetime": fmt(now), "timezone": "Europe/Paris"},
        "departures": out,
        "links": links,
        "notes": [],
        "exceptions": [],
    }
    return await send_json(request, body, content_type="application/json")


async def not_found(request: web.Request) -> web.StreamResponse:
    raise NavitiaError(
        404,
        {
            "message": "The requested URL was not found on the server. If you "
            "entered the URL manually please check your spelling and try again."
        },
    )


def routes() -> list[web.RouteDef]:
    return [web.get(PATH, departures), web.get("/v1/{tail:.*}", not_found)]
