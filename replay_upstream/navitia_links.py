"""Navitia's disruptions (delayed, cancelled and added trains) and the answer's templated links."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from replay_upstream.departures_data import Departure
from replay_upstream.navitia_shape import fmt

# Navitia's severity of each effect, as the SNCF feed publishes it.
SEVERITIES = {
    "SIGNIFICANT_DELAYS": ("trip delayed", 42),
    "NO_SERVICE": ("trip canceled", 42),
    "ADDITIONAL_SERVICE": ("trip added", 42),
}
CAUSES = ("", " (incident technique)", " (régulation du trafic)", " (affluence)")


def disruption_of(dep: Departure, delay: int, now: datetime) -> dict[str, Any] | None:
    """The disruption a departure links to at ``now``, if any (its board shows it)."""
    if dep.cancelled and dep.announced(now):
        return disruption(dep, "NO_SERVICE", now)
    if dep.added:
        return disruption(dep, "ADDITIONAL_SERVICE", now)
    return disruption(dep, "SIGNIFICANT_DELAYS", now, delay) if delay else None


def disruption(dep: Departure, effect: str, now: datetime, delay: int = 0) -> dict[str, Any]:
    rng = random.Random(dep.vehicle_journey)
    ident = str(uuid.UUID(int=rng.getrandbits(128)))
    cause = rng.choice(CAUSES)
    text = {
        "SIGNIFICANT_DELAYS": f"Retard de {delay} min{cause}",
        "NO_SERVICE": f"Train supprimé{cause}",
        "ADDITIONAL_SERVICE": "Train supplémentaire",
    }[effect]
    name, priority = SEVERITIES[effect]
    return {
        "id": ident,
        "disruption_id": ident,
        "impact_id": ident,
        "uri": ident,
        "disruption_uri": ident,
        "status": "active",
        "contributor": "realtime.sncf",
        "severity": {
            "name": name,
            "effect": effect,
            "priority": priority,
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
