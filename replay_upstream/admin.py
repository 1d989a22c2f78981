"""Admin endpoints under ``/_replay/`` (not part of any upstream format).

- ``GET /_replay/health``
- ``GET|POST|DELETE /_replay/faults``, ``DELETE /_replay/faults/{id}``: list, add (a JSON
  fault, see :class:`~replay_upstream.faults.Fault`), clear
- ``GET|DELETE /_replay/requests[?match=substring]``: request log with counts and bytes
- ``GET|POST /_replay/clock``: ``{"set": iso}``, ``{"advance": seconds}``,
  ``{"advance_hours": n}``, ``{"accelerate": factor}``
- ``GET|POST /_replay/tokens``: ``{"accept": ["token", ...] | null}`` (null: any token)
- ``GET|POST /_replay/traffic``: ``{"late_share": 0.05, "late_hours": 24}``, late corrections
  of the traffic hours (see :class:`~replay_upstream.traffic_data.TrafficDataset`)
- ``GET|POST /_replay/traffic/silence``: ``{"hour": iso, "share": 0.5}``, that traffic hour
  published with half its arcs silent (``q`` and ``k`` null); share 0 restores it
- ``POST /_replay/reset``: no faults, empty log, clock, tokens and corrections as configured
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from replay_upstream.clock import parse_instant
from replay_upstream.faults import Fault
from replay_upstream.world import WORLD, World


def _bad(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json() if request.can_read_body else {}
    except ValueError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


def clock_state(world: World) -> dict[str, Any]:
    return {
        "now": world.clock.now().isoformat(),
        "origin": world.clock.origin.isoformat(),
        "accelerate": world.clock.accelerate,
        "traffic_published_until": world.traffic.published_until().isoformat(),
        "traffic_hours": len(world.traffic.hours()),
    }


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "datasets": sorted(request.app[WORLD].datasets)})


async def faults(request: web.Request) -> web.Response:
    book = request.app[WORLD].faults
    if request.method == "POST":
        try:
            fault = book.add(Fault.from_json(await _body(request)))
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
        return web.json_response({"id": fault.id, "faults": book.as_json()}, status=201)
    if request.method == "DELETE":
        book.clear()
    return web.json_response({"faults": book.as_json()})


async def fault_delete(request: web.Request) -> web.Response:
    removed = request.app[WORLD].faults.remove(int(request.match_info["ident"]))
    return web.json_response({"removed": removed}, status=200 if removed else 404)


async def requests(request: web.Request) -> web.Response:
    log = request.app[WORLD].log
    if request.method == "DELETE":
        log.clear()
    return web.json_response(log.as_json(request.query.get("match")))


async def clock(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    if request.method == "POST":
        data = await _body(request)
        try:
            if "set" in data:
                world.clock.set(parse_instant(str(data["set"])))
            if "advance" in data:
                world.clock.advance(float(data["advance"]))
            if "advance_hours" in data:
                world.clock.advance(float(data["advance_hours"]) * 3600)
            if "accelerate" in data:
                world.clock.set_accelerate(float(data["accelerate"]))
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
    return web.json_response(clock_state(world))


async def tokens(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    if request.method == "POST":
        accept = (await _body(request)).get("accept")
        if accept is not None and not (
            isinstance(accept, list) and all(isinstance(t, str) for t in accept)
        ):
            return _bad("accept must be a list of strings or null")
        world.tokens = None if accept is None else frozenset(accept)
    return web.json_response({"accept": None if world.tokens is None else sorted(world.tokens)})


async def traffic(request: web.Request) -> web.Response:
    dataset = request.app[WORLD].traffic
    if request.method == "POST":
        data = await _body(request)
        try:
            dataset.set_corrections(
                float(data.get("late_share", dataset.late_share)),
                int(data.get("late_hours", dataset.late_hours)),
            )
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
    return web.json_response({"late_share": dataset.late_share, "late_hours": dataset.late_hours})


async def traffic_silence(request: web.Request) -> web.Response:
    dataset = request.app[WORLD].traffic
    if request.method == "POST":
        data = await _body(request)
        try:
            dataset.silence(parse_instant(str(data["hour"])), float(data.get("share", 0.5)))
        except (KeyError, TypeError, ValueError) as exc:
            return _bad(f"silence needs 'hour' (ISO 8601) and 'share' in [0, 1]: {exc}")
    silenced = {hour.isoformat(): share for hour, share in sorted(dataset.silenced.items())}
    return web.json_response({"silenced": silenced})


async def reset(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    world.reset()
    return web.json_response(clock_state(world))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/_replay/health", health),
        web.route("*", "/_replay/faults", faults),
        web.delete("/_replay/faults/{ident:\\d+}", fault_delete),
        web.route("*", "/_replay/requests", requests),
        web.route("*", "/_replay/clock", clock),
        web.route("*", "/_replay/tokens", tokens),
        web.route("*", "/_replay/traffic", traffic),
        web.route("*", "/_replay/traffic/silence", traffic_silence),
        web.post("/_replay/reset", reset),
    ]
