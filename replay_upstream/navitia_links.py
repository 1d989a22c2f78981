"""Navitia's disruptions (for delayed trains) and the answer's templated links."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from replay_upstream.departures_data import Departure
from replay_upstream.navitia_shape import fmt


def disruption(dep: Departure, delay: int, now: datetime) -> dict[str, Any]:
    rng = random.Random(dep.vehicle_journey)
    ident = str(uuid.UUID(int=rng.getrandbits(128)))
    text = f"Retard de {delay} min" + rng.choice(
        ("", " (incident technique)", " (régulation du trafic)", " (affluence)")
    )
    return {
        "id": ident,
        "disruption_id": ident,
        "impact_id": ident,
        "uri": ident,
        "disruption_uri": ident,
        "status": "active",
        "contributor": "realtime.sncf",
        "severity": {
            "name": "trip delayed",
            "effect": "SIGNIFICANT_DELAYS",
            "priority": 42,
            "color": "#000000",
        },
        "messages": [
            {
                "text": text,
                "channel": {
                    "id": "rt",
                    "name": "rt",
                    "content_type": "",
                    "types": ["web", "mobile"],
                },
            }
        ],
        "application_periods": [
            {"begin": fmt(dep.base - timedelta(hours=2)), "end": fmt(dep.base + timedelta(hours=6))}
        ],
        "updated_at": fmt(max(now, dep.base - timedelta(hours=2))),
        "cause": "",
        "category": "",
        "tags": [],
        "impacted_objects": [
            {
                "pt_object": {
                    "id": dep.vehicle_journey.replace("vehicle_journey:", "", 1),
                    "name": dep.number,
                    "quality": 0,
                    "trip": {"id": dep.vehicle_journey, "name": dep.number},
                    "embedded_type": "trip",
                }
            }
        ],
    }


TEMPLATED = (
    "physical_modes",
    "routes",
    "networks",
    "stop_points",
    "commercial_modes",
    "vehicle_journeys",
    "companies",
    "stop_areas",
    "lines",
)


def templated_links(base: str) -> list[dict[str, Any]]:
    single = {
        "physical_modes": "physical_mode",
        "routes": "route",
        "networks": "network",
        "stop_points": "stop_point",
        "commercial_modes": "commercial_mode",
        "vehicle_journeys": "vehicle_journey",
        "companies": "company",
        "stop_areas": "stop_area",
        "lines": "line",
    }
    return [
        {
            "href": f"{base}/v1/coverage/sncf/{rel}/{{{single[rel]}.id}}",
            "templated": True,
            "rel": rel,
            "type": single[rel],
        }
        for rel in TEMPLATED
    ]
