"""Traffic payloads from the replay upstream: what the collector downloads, and full exports.

``bundle`` runs the traffic plugin's own ``fetch`` (so the bytes are exactly what a run
archives and parses); ``full_export`` is the publisher's export of one hour with every field,
geometry included (what a collector without ``select`` would download).
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.common import LAST_HOUR, START, Env
from collector.http import HttpClient, make_session
from collector.logs import get_logger
from collector.plugin import FetchContext
from sources.traffic.fetch import fetch
from sources.traffic.settings import TrafficSettings

DATASET = "comptages-routiers-permanents"


@dataclass
class Download:
    payload: bytes
    requests: int
    bytes: int


async def bundle(env: Env, *, hours: int = 1, arcs: bool = False) -> Download:
    """The payload of one traffic run that picks up ``hours`` new hours ending at 22:00."""
    state = {"watermark": (LAST_HOUR - timedelta(hours=hours)).isoformat()}
    if not arcs:  # the arc reference was refreshed less than a day ago: not downloaded
        state["arcs_at"] = START.isoformat()
    settings = TrafficSettings(max_hours_per_run=max(48, hours))
    async with make_session("bench") as session:
        http = HttpClient(session, timeout=120, retries=0)
        ctx = FetchContext(
            http=http,
            settings=settings,
            app=env.settings("local", env.tmp),
            state=state,
            now=START,
            log=get_logger(source="traffic"),
        )
        fetched = await fetch(ctx)
    assert fetched is not None, "the replay upstream published no new traffic hour"
    return Download(fetched.payload, http.stats.requests, http.stats.bytes)


def full_export(env: Env, hour: datetime) -> bytes:
    """Every field of every arc for one hour (``/exports/json``, geometry included)."""
    stamp = hour.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    query = urllib.parse.urlencode({"where": f"t_1h = date'{stamp}'", "timezone": "UTC"})
    url = f"{env.upstream_url}/api/explore/v2.1/catalog/datasets/{DATASET}/exports/json?{query}"
    with urllib.request.urlopen(url, timeout=120) as response:
        body: bytes = response.read()
    return body


def as_bundle(export: bytes) -> bytes:
    """A full export in the traffic bundle format the parser reads (a byte splice)."""
    return b'{"counts":' + export + b',"arcs":null}'
