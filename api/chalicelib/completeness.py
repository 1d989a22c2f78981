"""``/completeness``: the ledger's slots (expected, received, state) and per-entity reporting.

The entries, the missing slots filled in and the reporting rates are the read layer's
(:mod:`readlayer.completeness`), the same as the dashboard's and ``paris-collector
completeness``; this module only pages and describes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from chalice.app import Blueprint

from chalicelib import context, schemas
from chalicelib.errors import invalid, not_found
from chalicelib.listing import with_total
from chalicelib.params import (
    NEXT,
    PAGE_TOKEN,
    Param,
    bind_token,
    boolean,
    from_key,
    limit,
    page_position,
    position_field,
    text,
    time_param,
    time_range,
    to_key,
)
from chalicelib.web import Components, Endpoint, Reply, envelope, max_age, now, source_freshness
from chalicelib.web import route as declare
from readlayer import completeness as ledger
from readlayer import reads
from readlayer.catalogue import SourceInfo

bp = Blueprint(__name__)
DEFAULT_HOURS = 24
"""Without ``since``, the last day (the dashboard's and the CLI's default too)."""

SOURCE = Param(
    name="source",
    description="only this source (by name, as in `/sources`); default: every enabled source",
    schema={"type": "string", "minLength": 1, "maxLength": 100},
    convert=text(100),
)
SINCE = time_param("since", f"start of the range, in its slot (default: {DEFAULT_HOURS} h ago)")
UNTIL = time_param("until", "end of the range: slots starting before it (default: now)")
NEVER = Param(
    name="never",
    description="true: only the entities that have never reported since first seen",
    schema={"type": "boolean", "default": False},
    convert=boolean,
    default=False,
)
SOURCE_PATH = ("source", "a source's name, as in `/sources`")


def _entries(components: Components) -> dict[str, Any]:
    text_ = {"type": "string"}
    count = {"type": "integer", "minimum": 0}
    when = {"type": ["string", "null"]}
    item = components.add(
        "CompletenessSlot",
        {
            "type": "object",
            "description": "One slot of a source's completeness ledger.",
            "required": [
                "source", "slot_start", "slot_end", "expected", "received", "payloads",
                "records", "state",
            ],
            "properties": {
                "source": {**text_, "description": "the source, as in `/sources`"},
                "slot_start": {**text_, "description": "start of the slot, UTC"},
                "slot_end": {**text_, "description": "end of the slot (exclusive), UTC"},
                "expected": {
                    **count,
                    "description": "entities expected to report: those that usually do "
                    "(reporting rate >= 0.5 over about 7 days) and were seen in the last 7 "
                    "days; with no history yet, those seen in the slot",
                },
                "received": {**count, "description": "entities that reported in the slot"},
                "seen": {
                    **count,
                    "description": "entities present in the slot at all, reporting or not",
                },
                "payloads": {**count, "description": "payloads that brought records of it"},
                "records": {**count, "description": "records of the slot stored"},
                "flagged": {
                    **count,
                    "description": "records of the slot failing a record check (flagged in "
                    "their `_quality` list, kept, and left out of the analytics)",
                },
                "checks": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                    "description": "failed checks by name (record checks: records; slot "
                    "checks: 1)",
                },
                "record_checks": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                    "description": "the record checks alone among `checks`: flagged records "
                    "by check name",
                },
                "raw_keys": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "the raw payloads (bronze keys) that brought records of the "
                    "slot, the latest ones; a payload replayed is not counted twice",
                },
                "revisions": {
                    **count,
                    "description": "rows written for the slot by payloads after the first "
                    "(late corrections)",
                },
                "state": {
                    "type": "string",
                    "enum": list(ledger.STATE_LIST),
                    "description": "ok; partial (fewer reported than the source's share of "
                    "those expected, or a slot check failed); late (first received after the "
                    "source's late objective); missing (due, and nothing was recorded)",
                },
                "first_received_at": {**when, "description": "first record stored, UTC"},
                "last_received_at": {**when, "description": "last record stored, UTC"},
            },
        },
    )  # fmt: skip
    return schemas.array_of(item)


def _rates(components: Components) -> dict[str, Any]:
    item = components.add(
        "ReportingRate",
        {
            "type": "object",
            "description": "How often one entity (an arc, a car park, a station) reports.",
            "required": ["entity_id", "rate", "slots", "last_reported"],
            "properties": {
                "entity_id": {"type": "string", "description": "the entity, as in its dataset"},
                "rate": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "maximum": 1,
                    "description": "share of its slots it reported in, a running mean over "
                    "about the last 7 days of slots",
                },
                "slots": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "slots counted since it was first seen",
                },
                "last_reported": {
                    "type": ["string", "null"],
                    "description": "start of the last slot it reported in, UTC; null: never",
                },
            },
        },
    )
    return schemas.array_of(item)


def known(name: str, parameter: str = "source") -> SourceInfo:
    """The installed source of that name; 404 otherwise."""
    installed = context.catalog().sources
    found = installed.get(name)
    if found is None:
        listed = ", ".join(sorted(installed)) or "none"
        raise not_found(parameter, f"no source {name!r} (installed: {listed})")
    return found


def _slots(query: Mapping[str, Any], infos: Sequence[SourceInfo], *, route: str) -> Reply:
    moment = now()
    day = timedelta(hours=DEFAULT_HOURS)
    lo, hi = time_range(query, since=to_key(moment - day), until=to_key(moment))
    # A default never contradicts what was sent: the day before ``until``, after ``since``.
    since = from_key(lo) if lo else from_key(hi) - day
    until = from_key(hi) if hi != "~" else from_key(lo) + day
    reader = context.reader()
    states = reader.states()
    items: list[dict[str, Any]] = []
    try:
        for info in infos:
            items += ledger.source_ledger(
                reader, info, states.get(info.name) or {}, since=since, until=until, now=moment
            )
    except ledger.RangeTooLong as exc:
        raise invalid("since", str(exc)) from None
    found = reads.page(items, limit=query["limit"], after=_after(query, route), key=_order)
    newest = max((str(i["slot_end"]) for i in items if i.get("payloads")), default=None)
    body = envelope(
        found.items,
        sources=list(infos),
        observed_at=newest,
        fresh=source_freshness(infos[0]) if len(infos) == 1 else None,
        next_token=bind_token(found.next, route, query),
    )
    shortest = min((i.interval_s for i in infos), default=3600)
    return Reply(body=with_total(body, len(items)), max_age=max_age(shortest))


def _after(query: Mapping[str, Any], route: str) -> list[str] | None:
    """Where the page the ``next`` token asks for starts (after this sort key)."""
    after = position_field(page_position(query, route), "after", list)
    if after is None:
        return None
    if not all(isinstance(part, str) for part in after):
        raise invalid(PAGE_TOKEN, "not a pagination token of this endpoint")
    return [str(part) for part in after]


def _order(item: Mapping[str, Any]) -> list[str]:
    """By source, then slot (as the read layer answers them)."""
    return [str(item.get("source")), str(item.get("slot_start"))]


SLOT_PARAMS = (SINCE, UNTIL, limit(1000, 5000), NEXT)


@declare(
    bp,
    Endpoint(
        path="/completeness",
        operation_id="list_completeness",
        summary="The completeness ledger: per source and slot, expected, received and state",
        description="Every slot of the range, by source then oldest first; a due slot the "
        "daemon recorded nothing for (it was down, the publisher sent nothing) is `missing`. "
        "A slot is due one interval after its end (for sources counted by the publisher's "
        "own period, e.g. traffic's hour: after its late objective).",
        tag="status",
        params=(SOURCE, *SLOT_PARAMS),
        data=_entries,
        not_found=True,
        cache="half the shortest interval of the sources shown",
    ),
)
def list_completeness(query: dict[str, Any]) -> Reply:
    if query["source"] is not None:
        infos = [known(query["source"])]
    else:
        names = ledger.ledger_sources(context.catalog(), context.reader().states())
        infos = [context.catalog().sources[n] for n in names]
    return _slots(query, infos, route="/completeness")


@declare(
    bp,
    Endpoint(
        path="/completeness/{source}",
        operation_id="source_completeness",
        summary="One source's completeness ledger, oldest slot first",
        tag="status",
        params=SLOT_PARAMS,
        path_params=(SOURCE_PATH,),
        data=_entries,
        not_found=True,
    ),
)
def source_completeness(query: dict[str, Any], source: str) -> Reply:
    info = known(source)
    return _slots(query, [info], route=f"/completeness/{source}")


@declare(
    bp,
    Endpoint(
        path="/completeness/{source}/entities",
        operation_id="source_reporting_rates",
        summary="How often each entity of a source reports (e.g. each traffic arc)",
        description="Each entity's reporting rate, the running mean behind `expected`, by "
        "entity id; `?never=true` keeps those that never reported. Empty until the daemon "
        "has counted a slot of the source.",
        tag="status",
        params=(NEVER, limit(1000, 5000), NEXT),
        path_params=(SOURCE_PATH,),
        data=_rates,
        not_found=True,
    ),
)
def source_reporting_rates(query: dict[str, Any], source: str) -> Reply:
    info = known(source)
    route = f"/completeness/{source}/entities"
    rows = ledger.reporting_rates(context.reader(), source)
    if query["never"]:
        rows = ledger.never_reporting(rows)
    found = reads.page(rows, limit=query["limit"], after=_after(query, route))
    body = envelope(
        found.items,
        sources=[info],
        fresh=source_freshness(info),
        next_token=bind_token(found.next, route, query),
    )
    return Reply(body=with_total(body, len(rows)), max_age=max_age(info.interval_s))
