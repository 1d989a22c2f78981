"""A source's data age against its freshness objective, as ``/health`` and ``/sources`` show it
(the read layer judges it: :mod:`readlayer.status`)."""

from __future__ import annotations

from typing import Any

from readlayer.status import SourceStatus

FRESHNESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data_age_s", "freshness_objective_s", "freshness"],
    "properties": {
        "data_age_s": {
            "type": ["number", "null"],
            "description": "seconds since the newest observation stored (null: none yet)",
        },
        "freshness_objective_s": {
            "type": "number",
            "description": "how old the newest data may be before it is stale, seconds",
        },
        "freshness": {
            "type": "string",
            "enum": ["fresh", "stale", "unknown"],
            "description": "the data age against the objective (unknown: no data yet)",
        },
    },
}


def freshness_of(judged: SourceStatus) -> dict[str, Any]:
    age = judged.data_age_s
    return {
        "data_age_s": None if age is None else round(age, 1),
        "freshness_objective_s": judged.objective_s,
        "freshness": judged.freshness,
    }
