"""Vélib' Métropole's GBFS 2.x feeds, at their real paths.

``/opendata/Velib_Metropole/gbfs.json`` (discovery), ``station_information.json`` and
``station_status.json`` beside it, in Vélib's own envelope (``lastUpdatedOther``, ``ttl``,
``data.stations``). Faults apply as for every upstream (match on the path).
"""

from __future__ import annotations

from aiohttp import web

from replay_upstream import velib_data
from replay_upstream.respond import send_json
from replay_upstream.world import WORLD

BASE = "/opendata/Velib_Metropole"
FEEDS = ("station_information", "station_status")


def url(root: str) -> str:
    """The discovery URL under a server root (``PARIS_SOURCES__VELIB__GBFS_URL``)."""
    return f"{root.rstrip('/')}{BASE}/gbfs.json"


async def discovery(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    root = f"{request.scheme}://{request.host}{BASE}"
    feeds = [{"name": name, "url": f"{root}/{name}.json"} for name in FEEDS]
    body = {
        "lastUpdatedOther": int(world.clock.now().timestamp()),
        "ttl": 3600,
        "data": {"en": {"feeds": feeds}, "fr": {"feeds": feeds}},
    }
    return await send_json(request, body)


async def information(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    return await send_json(request, velib_data.information(world.options.seed, world.clock.now()))


async def status(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    return await send_json(request, velib_data.status(world.options.seed, world.clock.now()))


def routes() -> list[web.RouteDef]:
    return [
        web.get(f"{BASE}/gbfs.json", discovery),
        web.get(f"{BASE}/station_information.json", information),
        web.get(f"{BASE}/station_status.json", status),
    ]
