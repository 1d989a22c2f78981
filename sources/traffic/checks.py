"""Data-quality checks of the traffic counts: implausible values are stored flagged, never
dropped, and the analytics leave them out (``collector.quality``)."""

from __future__ import annotations

from typing import Any

from collector.plugin import Check, Data
from sources.traffic.parse import state_of

K_MAX = 100.0
"""k is a share of the hour, in %: above 100 the loop reported more than the hour."""
STATE_TOLERANCE = 0.5
"""k points either side of a threshold where either state passes: the publisher rounds k
and does not say on which side of 15, 30 or 50 a boundary value falls."""


def _number(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) else None


def k_in_range(data: Data) -> bool:
    k: Any = data.get("occupancy_k")
    return type(k) not in (int, float) or 0 <= k <= K_MAX


def q_in_range(data: Data) -> bool:
    q: Any = data.get("flow_q")
    return type(q) not in (int, float) or q >= 0


def state_consistent(data: Data) -> bool:
    """The publisher's ``etat_trafic`` agrees with k by its own thresholds (Fluide < 15 %,
    Pré-saturé 15-30, Saturé 30-50, Bloqué >= 50); no k or an unknown state is no evidence."""
    k: Any = data.get("occupancy_k")
    state = data.get("traffic_state")
    if type(k) not in (int, float) or state is None or state == "Inconnu":
        return True
    # Runs on every count of every hour: the exact rule first, the tolerance only if it fails.
    return bool(
        state == state_of(k)
        or state == state_of(k - STATE_TOLERANCE)
        or state == state_of(k + STATE_TOLERANCE)
    )


def no_sudden_drop(entry: Data, previous: Data | None) -> bool:
    """Fewer than half the previous slot's reporting arcs: a publisher's partial hour."""
    if previous is None:
        return True
    before, now = _number(previous.get("received")), _number(entry.get("received"))
    return before is None or now is None or now >= before / 2


CHECKS = (
    Check(
        name="k_range",
        description="occupancy k is a share of the hour: 0 to 100 %",
        record=k_in_range,
        dataset="traffic",
    ),
    Check(
        name="q_range",
        description="flow q is a number of vehicles: never negative",
        record=q_in_range,
        dataset="traffic",
    ),
    Check(
        name="state_consistent",
        description="etat_trafic agrees with k and the published thresholds (15, 30, 50 %, "
        f"±{STATE_TOLERANCE}); an unknown state or no k passes",
        record=state_consistent,
        dataset="traffic",
    ),
    Check(
        name="sudden_drop",
        description="the arcs reporting in an hour fall below half of the hour before",
        slot=no_sudden_drop,
    ),
)
