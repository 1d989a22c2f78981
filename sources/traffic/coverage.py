"""What the completeness ledger counts for traffic: the hour each count is for (``t_1h``),
whenever it arrives, and an arc reports in it when it has a flow or an occupancy."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Coverage, Data


def reporting(data: Data) -> bool:
    """A count with a measure: ``q`` or ``k`` (the arcs with neither are in every export)."""
    return data.get("flow_q") is not None or data.get("occupancy_k") is not None


# The counts, not the arcs' reference (``traffic.arcs``, refreshed daily, latest only).
COVERAGE = Coverage(slot=timedelta(hours=1), by="observed", dataset="traffic", reporting=reporting)
