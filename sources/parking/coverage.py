"""What the completeness ledger counts for parking: one slot per run; a car park reports when
it has a live, fresh free-places count (those without a live counter never do, so they are
never expected)."""

from __future__ import annotations

from collector.plugin import Coverage, Data


def reporting(data: Data) -> bool:
    flags = data.get("flags") or ()
    return (
        data.get("availability") == "live"
        and data.get("free_places") is not None
        and "stale" not in flags
    )


COVERAGE = Coverage(reporting=reporting)
