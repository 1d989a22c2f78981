"""What the completeness ledger counts for Vélib': one slot per run; a station reports when
its status has a fresh bike count (a station whose ``last_reported`` lags is flagged stale)."""

from __future__ import annotations

from collector.plugin import Coverage, Data


def reporting(data: Data) -> bool:
    return data.get("bikes_available") is not None and "stale" not in (data.get("flags") or ())


COVERAGE = Coverage(reporting=reporting)
