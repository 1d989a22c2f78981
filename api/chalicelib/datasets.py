"""``/datasets``: every dataset of every source, from the catalogue, with no code per dataset.

``/datasets/<dataset>`` is the latest snapshot (paged like the seed endpoints, filtered by
equality on the record's scalar fields, see :mod:`readlayer.fields`), and
``/datasets/<dataset>/{entity_id}/history`` one entity over time. ``<dataset>`` is the
storage name as it is: ``parking``, ``traffic``, ``traffic.arcs`` (a dot is URL-safe).
Reference datasets keep no history, so they have no history route.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.listing import history, snapshot, with_total
from chalicelib.params import NEXT, SINCE, UNTIL, Param, limit
from chalicelib.web import Components, Endpoint, Reply, envelope, route
from readlayer import reads
from readlayer.catalogue import DatasetInfo
from readlayer.fields import Filter, matches

bp = Blueprint(__name__)
log = logging.getLogger("paris.api")
ROUTABLE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)?")
LIST_MAX_AGE_S = 300
SNAPSHOT_LIMIT = limit(500, 5000)
HISTORY_LIMIT = limit(100, 1000)


def path_of(dataset: str) -> str:
    return f"/datasets/{dataset}"


def operation_of(dataset: str) -> str:
    """An identifier for client generators (``traffic.arcs`` -> ``traffic__arcs``)."""
    return dataset.replace(".", "__")


def param(found: Filter) -> Param:
    schema: dict[str, Any] = {"type": found.kind}
    if found.enum:
        schema["enum"] = list(found.enum)
    if found.minimum is not None:
        schema["minimum"] = found.minimum
    if found.maximum is not None:
        schema["maximum"] = found.maximum
    if found.kind == "string" and not found.enum:
        schema.update(minLength=1, maxLength=200, pattern=r"\S")
    text = f"only records whose `{found.name}` equals this value"
    if found.enum:
        text += " (case ignored)"
    elif found.by_name:
        text += " (case, accents and the apostrophe's form ignored)"
    if found.description:
        text += f" ({found.description})"
    return Param(name=found.name, description=text, schema=schema, convert=found.convert)


def _describe(info: DatasetInfo) -> dict[str, Any]:
    source = context.catalog().source(info.source)
    return {
        "name": info.name,
        "source": info.source,
        "reference": info.reference,
        "path": path_of(info.name),
        "history_path": None if info.reference else f"{path_of(info.name)}/{{entity_id}}/history",
        "filters": [f.name for f in info.filters],
        "interval_s": source.interval_s,
        "licence": source.licence,
        "attribution": source.attribution,
    }


def _list_items(components: Components) -> dict[str, Any]:
    text = {"type": ["string", "null"]}
    item = components.add(
        "Dataset",
        {
            "type": "object",
            "required": ["name", "source", "reference", "path", "history_path", "filters"],
            "properties": {
                "name": {"type": "string", "description": "storage name, also the URL segment"},
                "source": {"type": "string", "description": "the source that collects it"},
                "reference": {"type": "boolean", "description": "latest only, no history"},
                "path": {"type": "string", "description": "its snapshot route"},
                "history_path": {**text, "description": "its per-entity history route"},
                "filters": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "the query parameters its snapshot route filters on",
                },
                "interval_s": {"type": "integer", "description": "seconds between two runs"},
                "licence": {"type": "string", "description": "licence of the data"},
                "attribution": {"type": "string", "description": "credit the publishers so"},
            },
        },
    )
    return schemas.array_of(item)


@route(
    bp,
    Endpoint(
        path="/datasets",
        operation_id="list_datasets",
        summary="Every dataset the sources deliver, with its routes and filters",
        tag="status",
        data=_list_items,
        cache="5 min",
    ),
)
def list_datasets(query: dict[str, Any]) -> Reply:
    found = context.catalog()
    data = [_describe(found.datasets[name]) for name in sorted(found.datasets)]
    sources = [found.sources[s] for s in sorted({d["source"] for d in data}) if s in found.sources]
    body = with_total(envelope(data, sources=sources), len(data))
    return Reply(body=body, max_age=LIST_MAX_AGE_S)


def _records(dataset: str) -> Any:
    def schema(components: Components) -> dict[str, Any]:
        return schemas.array_of(schemas.record(components, dataset))

    return schema


def _declare(info: DatasetInfo) -> None:
    dataset, filters = info.name, tuple(param(f) for f in info.filters)
    path = path_of(dataset)
    names = ", ".join(f"`{f.name}`" for f in filters) or "none"
    described = context.routed().source(info.source).description

    @route(
        bp,
        Endpoint(
            path=path_of(dataset),
            operation_id=f"dataset_{operation_of(dataset)}",
            summary=f"{dataset} now: the latest record of each entity"
            + (f" ({described})" if described else ""),
            description=f"The latest record of every entity of `{dataset}`, ordered by entity "
            f"id. Filters (equality): {names}; enums match ignoring case, names ignoring case, "
            "accents and the apostrophe's form, identifiers (`entity_id`, `*_id`) exactly.",
            tag="snapshots",
            params=(*filters, SNAPSHOT_LIMIT, NEXT),
            data=_records(dataset),
        ),
    )
    def view(query: dict[str, Any]) -> Reply:
        wanted = {f.name: query[f.name] for f in filters if query[f.name] is not None}
        # Filtered here, by the read layer's one rule, whatever rows the latest view holds.
        items = [i for i in reads.latest(context.reader(), dataset) if matches(i, wanted)]
        return snapshot(items, query, context.catalog().source(info.source), route=path)

    if info.reference:
        return

    @route(
        bp,
        Endpoint(
            path=f"{path_of(dataset)}/{{entity_id}}/history",
            operation_id=f"dataset_{operation_of(dataset)}_history",
            summary=f"One entity of {dataset} over time, newest first",
            tag="history",
            params=(SINCE, UNTIL, HISTORY_LIMIT, NEXT),
            path_params=(("entity_id", f"as in `{path_of(dataset)}` `entity_id`"),),
            data=_records(dataset),
            not_found=True,
        ),
    )
    def entity_history(query: dict[str, Any], entity_id: str) -> Reply:
        return history(
            dataset,
            entity_id,
            query,
            context.catalog().source(info.source),
            route=f"{path}/{entity_id}/history",
            what="entity",
            parameter="entity_id",
        )


for _name, _info in sorted(context.routed().datasets.items()):
    if ROUTABLE.fullmatch(_name) is None:
        # A stream name the storage accepts but a URL path segment should not carry.
        log.error("dataset %r has no route: its name is not [a-z0-9_] words joined by a dot", _name)
        continue
    _declare(_info)
