"""``/parkings``: every car park now, and one car park's history."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.listing import history, snapshot
from chalicelib.params import ARRONDISSEMENT, NEXT, SINCE, UNTIL, limit
from chalicelib.web import Components, Endpoint, Reply, route
from readlayer import reads

bp = Blueprint(__name__)
SOURCE = "parking"
DATASET = "parking"


def _items(components: Components) -> dict[str, Any]:
    return schemas.array_of(schemas.record(components, DATASET))


@route(
    bp,
    Endpoint(
        path="/parkings",
        operation_id="list_parkings",
        summary="Car parks now: capacities, prices and live free places",
        description="The latest record of every car park, ordered by id.",
        tag="snapshots",
        params=(ARRONDISSEMENT, limit(500, 5000), NEXT),
        data=_items,
    ),
)
def list_parkings(query: dict[str, Any]) -> Reply:
    items = reads.latest(context.reader(), DATASET)
    if query["arrondissement"] is not None:
        items = [i for i in items if i.get("arrondissement") == query["arrondissement"]]
    return snapshot(items, query, context.catalog().source(SOURCE), route="/parkings")


@route(
    bp,
    Endpoint(
        path="/parkings/{id}/history",
        operation_id="parking_history",
        summary="One car park's records over time, newest first",
        tag="history",
        params=(SINCE, UNTIL, limit(100, 1000), NEXT),
        path_params=(("id", "car park id, as in `/parkings` `entity_id`"),),
        data=_items,
        not_found=True,
    ),
)
def parking_history(query: dict[str, Any], id: str) -> Reply:
    info = context.catalog().source(SOURCE)
    return history(DATASET, id, query, info, route=f"/parkings/{id}/history", what="car park")
