"""``/traffic``: the latest hourly count of every road section, with its geometry; history."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.joined import joined
from chalicelib.listing import history, snapshot
from chalicelib.params import ARRONDISSEMENT, NEXT, SINCE, UNTIL, Param, boolean, choice, limit
from chalicelib.web import Components, Endpoint, Reply, route
from readlayer import reads

bp = Blueprint(__name__)
SOURCE = "traffic"
DATASET = "traffic"
ARCS = "traffic.arcs"
STATES = ("Fluide", "Pré-saturé", "Saturé", "Bloqué", "Inconnu")
"""``sources.traffic.records.TrafficState`` (a test keeps them equal; the plugin itself is not
imported on Lambda, see :mod:`chalicelib.catalog`)."""

TRAFFIC_STATE = Param(
    name="traffic_state",
    description="only arcs in this state (case ignored: `fluide` is `Fluide`)",
    schema={"type": "string", "enum": list(STATES)},
    convert=choice(STATES),
)
GEOMETRY = Param(
    name="geometry",
    description="join each arc's line from the arc reference (default true)",
    schema={"type": "boolean", "default": True},
    convert=boolean,
    default=True,
)


def _geometry(components: Components) -> dict[str, Any]:
    return components.add(
        "ArcGeometry",
        {
            "description": "the arc's line as [lon, lat] pairs (WGS84) from the arc reference; "
            "null when unknown or not asked for",
            "oneOf": [
                {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [{"type": "number"}, {"type": "number"}],
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
                {"type": "null"},
            ],
        },
    )


def _snapshot_items(components: Components) -> dict[str, Any]:
    count = schemas.record(components, DATASET)
    item = components.add(
        "TrafficArc",
        {
            "allOf": [
                count,
                {
                    "type": "object",
                    "required": ["geometry"],
                    "properties": {
                        "geometry": {
                            **_geometry(components),
                            "description": "the arc's line, joined from `traffic.arcs`",
                        }
                    },
                },
            ]
        },
    )
    return schemas.array_of(item)


def _history_items(components: Components) -> dict[str, Any]:
    return schemas.array_of(schemas.record(components, DATASET))


@route(
    bp,
    Endpoint(
        path="/traffic",
        operation_id="list_traffic",
        summary="Road sections now: the latest hourly flow, occupancy and state of each arc",
        description="The latest count of every arc, ordered by arc id, each with its geometry "
        "(joined by `entity_id` from the arc reference `traffic.arcs`).",
        tag="snapshots",
        params=(ARRONDISSEMENT, TRAFFIC_STATE, GEOMETRY, limit(1000, 5000), NEXT),
        data=_snapshot_items,
    ),
)
def list_traffic(query: dict[str, Any]) -> Reply:
    arcs = context.reference(ARCS) if query["geometry"] else None
    # Joined and ordered once per snapshot (see chalicelib.joined), then filtered: a filter
    # keeps the order, and the join does not change the filtered fields.
    items = joined(DATASET, reads.latest(context.reader(), DATASET), "geometry", arcs, "geometry")
    if query["arrondissement"] is not None:
        items = [i for i in items if i.get("arrondissement") == query["arrondissement"]]
    if query["traffic_state"] is not None:
        # The converter answered the canonical value (``fluide`` -> ``Fluide``).
        items = [i for i in items if i.get("traffic_state") == query["traffic_state"]]
    return snapshot(items, query, context.catalog().source(SOURCE), route="/traffic")


@route(
    bp,
    Endpoint(
        path="/traffic/{arc_id}/history",
        operation_id="traffic_history",
        summary="One arc's hourly counts over time, newest first",
        tag="history",
        params=(SINCE, UNTIL, limit(100, 1000), NEXT),
        path_params=(("arc_id", "arc id (`iu_ac`), as in `/traffic` `entity_id`"),),
        data=_history_items,
        not_found=True,
    ),
)
def traffic_history(query: dict[str, Any], arc_id: str) -> Reply:
    info = context.catalog().source(SOURCE)
    return history(DATASET, arc_id, query, info, route=f"/traffic/{arc_id}/history", what="arc")
