"""``/departures``: the train departures boards of the polled stations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.listing import Item, snapshot
from chalicelib.params import NEXT, Param, from_key, limit, name, time_param, time_range, to_key
from chalicelib.web import Components, Endpoint, Reply, now, route
from readlayer import reads
from readlayer.matching import NameQuery

bp = Blueprint(__name__)
SOURCE = "departures"
DATASET = "departures"
DEFAULT_LOOKBACK = timedelta(hours=1)

NETWORK = Param(
    name="network",
    description="only this network, e.g. `TGV INOUI`, `TER`, `Transilien` (case, accents and "
    "apostrophes ignored)",
    schema={"type": "string", "minLength": 1, "maxLength": 100},
    convert=name(100),
)
STATION = Param(
    name="station",
    description="only this station: a stop area id (`stop_area:SNCF:87686006`) or part of its "
    "name (`gare de lyon`; case, accents and the apostrophe's form ignored: `gare de l'est` "
    "finds `Paris Gare de l’Est`)",
    schema={"type": "string", "minLength": 1, "maxLength": 200},
    convert=name(200),
)
SINCE = time_param(
    "since",
    "first scheduled departure (inclusive; default: one hour before now, or before `until` "
    "when that is earlier)",
)
UNTIL = time_param("until", "last scheduled departure (inclusive; default: no limit)")


def by_departure(item: Item) -> list[str]:
    return [str(item.get("observed_at", "")), str(item.get("entity_id", ""))]


def _items(components: Components) -> dict[str, Any]:
    return schemas.array_of(schemas.record(components, DATASET))


@route(
    bp,
    Endpoint(
        path="/departures",
        operation_id="list_departures",
        summary="Train departures: the latest state of each departure, in scheduled order",
        description="Each departure as last polled (realtime time and delay when known), ordered "
        "by scheduled departure. By default from one hour ago onwards (with `until` alone, "
        "the hour up to the earlier of now and `until`).",
        tag="snapshots",
        params=(NETWORK, STATION, SINCE, UNTIL, limit(500, 5000), NEXT),
        data=_items,
    ),
)
def list_departures(query: dict[str, Any]) -> Reply:
    # The default window looks back from now, or from ``until`` when that is earlier: a
    # client asking for the departures up to yesterday evening gets that evening's hour.
    anchor = now() if query["until"] is None else min(now(), from_key(query["until"]))
    since, until = time_range(query, since=to_key(anchor - DEFAULT_LOOKBACK))
    items = [
        i
        for i in reads.latest(context.reader(), DATASET)
        if since <= str(i.get("observed_at", "")) <= until
    ]
    if query["network"] is not None:
        network: NameQuery = query["network"]
        items = [i for i in items if network.matches(i.get("network"))]
    if query["station"] is not None:
        station: NameQuery = query["station"]
        stop_area = station.text.strip()
        items = [
            i
            for i in items
            if i.get("stop_area_id") == stop_area or station.found_in(i.get("station"))
        ]
    info = context.catalog().source(SOURCE)
    return snapshot(items, query, info, route="/departures", key=by_departure)
