"""``/departures``: the train departures boards of the polled stations."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.listing import Item, snapshot
from chalicelib.params import NEXT, Param, limit, text, time_param, time_range, to_key
from chalicelib.web import Components, Endpoint, Reply, now, route

bp = Blueprint(__name__)
SOURCE = "departures"
DATASET = "departures"
DEFAULT_LOOKBACK = timedelta(hours=1)

NETWORK = Param(
    name="network",
    description="only this network, e.g. `TGV INOUI`, `TER`, `Transilien` (case-insensitive)",
    schema={"type": "string", "minLength": 1, "maxLength": 100},
    convert=text(100),
)
STATION = Param(
    name="station",
    description="only this station: a stop area id (`stop_area:SNCF:87686006`) or part of its "
    "name (`gare de lyon`; case and accents ignored)",
    schema={"type": "string", "minLength": 1, "maxLength": 200},
    convert=text(200),
)
SINCE = time_param("since", "first scheduled departure (inclusive; default: one hour ago)")
UNTIL = time_param("until", "last scheduled departure (inclusive; default: no limit)")


def fold(value: str) -> str:
    """Lower case without accents: ``Gare de l'Est`` == ``gare de l'est`` == ``GARE DE L'EST``."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
        "by scheduled departure. By default from one hour ago onwards.",
        tag="snapshots",
        params=(NETWORK, STATION, SINCE, UNTIL, limit(500, 5000), NEXT),
        data=_items,
    ),
)
def list_departures(query: dict[str, Any]) -> Reply:
    since, until = time_range(query, since=to_key(now() - DEFAULT_LOOKBACK))
    items = [
        i
        for i in context.reader().latest(DATASET)
        if since <= str(i.get("observed_at", "")) <= until
    ]
    if query["network"] is not None:
        wanted = fold(query["network"].strip())
        items = [i for i in items if fold(str(i.get("network") or "")) == wanted]
    if query["station"] is not None:
        station = query["station"].strip()
        folded = fold(station)
        items = [
            i
            for i in items
            if i.get("stop_area_id") == station or folded in fold(str(i.get("station") or ""))
        ]
    return snapshot(items, query, context.catalog().source(SOURCE), key=by_departure)
