"""Car parks open and reporting now: a fresh, plausible live count in the latest snapshot."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from aggregations._common import ratio, rows_of, settings_of, time_span
from aggregations._parking import DATASET, FreshnessSettings, NotReporting, status
from aggregations.number_of_parkings_in_operation.models import ParkingsInOperation
from collector.plugin import Inputs, Window


def compute(inputs: Inputs, window: Window) -> ParkingsInOperation:
    settings = settings_of(inputs, FreshnessSettings)
    max_age = timedelta(minutes=settings.max_age_minutes)
    rows = rows_of(inputs, DATASET, latest=True)
    statuses = [status(row, window.end, max_age) for row in rows]
    counts = Counter(statuses)
    operating = [row for row, s in zip(rows, statuses, strict=True) if s == "in_operation"]
    first, last = time_span(operating)
    note = None
    if not rows:
        note = "no parking snapshot yet"
    elif not operating:
        note = "no car park reports a fresh, plausible live count"
    return ParkingsInOperation(
        as_of=window.end,
        max_age_minutes=settings.max_age_minutes,
        car_parks_total=len(rows),
        in_operation=counts["in_operation"],
        share_in_operation=ratio(counts["in_operation"], len(rows)),
        not_reporting=NotReporting(
            no_live_count=counts["no_live_count"],
            stale=counts["stale"],
            implausible=counts["implausible"],
        ),
        observed_from=first,
        observed_to=last,
        note=note,
    )
