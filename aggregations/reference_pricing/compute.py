"""Car park prices: each car park's, and per duration the city's and each zone's statistics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from aggregations._common import (
    Row,
    known,
    mean,
    median,
    natural_key,
    rows_of,
    time_span,
    zone_key,
    zone_label,
)
from aggregations._parking import DATASET, car_park
from aggregations.reference_pricing.models import (
    CarParkPrices,
    DurationStats,
    ReferencePricing,
    ZonePricing,
)
from collector.plugin import Inputs, Window

DURATIONS = (("1h", 1), ("2h", 2), ("3h", 3), ("4h", 4), ("24h", 24))


def compute(inputs: Inputs, window: Window) -> ReferencePricing:
    rows = sorted(rows_of(inputs, DATASET, latest=True), key=lambda r: natural_key(r["entity_id"]))
    zones: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        zones[zone_label(row)].append(row)
    first, last = time_span(rows)
    priced = [row for row in rows if any(row.get(f"price_{d}") is not None for d, _ in DURATIONS)]
    note = None
    if not rows:
        note = "no parking snapshot yet"
    elif not priced:
        note = "no car park publishes a price"
    return ReferencePricing(
        observed_from=first,
        observed_to=last,
        car_parks_total=len(rows),
        car_parks_priced=len(priced),
        city=_durations(rows),
        by_zone=[
            ZonePricing(
                zone=zone,
                arrondissement=car_park(members[0]).arrondissement,
                car_parks=len(members),
                durations=_durations(members),
            )
            for zone, members in sorted(
                zones.items(), key=lambda z: zone_key(z[1][0].get("arrondissement"), z[0])
            )
        ],
        car_parks=[_prices(row) for row in rows],
        note=note,
    )


def _durations(rows: Sequence[Row]) -> list[DurationStats]:
    stats = []
    for duration, hours in DURATIONS:
        prices = known(rows, f"price_{duration}")
        stats.append(
            DurationStats(
                duration=duration,
                hours=hours,
                car_parks_priced=len(prices),
                median_eur=median(prices),
                mean_eur=mean(prices),
                min_eur=min(prices, default=None),
                max_eur=max(prices, default=None),
                note=None if prices else f"no car park publishes a {duration} price",
            )
        )
    return stats


def _prices(row: Row) -> CarParkPrices:
    prices = {f"price_{d}": next(iter(known([row], f"price_{d}")), None) for d, _ in DURATIONS}
    return CarParkPrices.model_validate(car_park(row).model_dump() | prices)
