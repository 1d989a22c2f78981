"""The reader's filters of a page's records: by arrondissement, and by the value of a field
(a car park's operator). A page filters its records once and hands the same list to its map,
its table and its CSV, so the three always agree; :func:`describe` says what was kept, for the
captions and the CSV header.

The arrondissement of a record is its ``arrondissement`` field when it has one, else the one its
``lat``/``lon`` fall in (the same bundled polygons the sources use).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import streamlit as st

from collector.geo import arrondissement_label, arrondissement_number

OUTSIDE = "outside Paris or unknown"
UNKNOWN = "unknown"
Record = dict[str, Any]


@lru_cache(maxsize=8192)
def _number_at(lon: float, lat: float) -> int | None:
    return arrondissement_number(lon, lat)


def _coordinate(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def arrondissement_of(record: Record, lat: str = "lat", lon: str = "lon") -> int | None:
    """1-20, or ``None`` outside Paris or when the record does not say where it is."""
    number = record.get("arrondissement")
    if isinstance(number, int) and not isinstance(number, bool):
        return number if 1 <= number <= 20 else None
    y, x = _coordinate(record.get(lat)), _coordinate(record.get(lon))
    return _number_at(x, y) if x is not None and y is not None else None


def zone_of(record: Record, lat: str = "lat", lon: str = "lon") -> str:
    """``Paris 12e``, or :data:`OUTSIDE`."""
    number = arrondissement_of(record, lat, lon)
    return arrondissement_label(number) if number else OUTSIDE


def zones(records: Iterable[Record], lat: str = "lat", lon: str = "lon") -> list[str]:
    """The zones present, 1er to 20e, then :data:`OUTSIDE`."""
    numbers = {arrondissement_of(r, lat, lon) for r in records}
    listed = [arrondissement_label(n) for n in sorted(n for n in numbers if n)]
    return listed + ([OUTSIDE] if None in numbers else [])


def value_of(record: Record, field: str) -> str:
    value = record.get(field)
    return UNKNOWN if value is None or value == "" else str(value)


def values(records: Iterable[Record], field: str) -> list[str]:
    """The values of ``field`` present, sorted without case, :data:`UNKNOWN` last."""
    found = {value_of(r, field) for r in records}
    return sorted(found - {UNKNOWN}, key=str.casefold) + ([UNKNOWN] if UNKNOWN in found else [])


@dataclass(frozen=True)
class Kept:
    """What the filters kept, and how to say it."""

    records: list[Record]
    total: int
    conditions: tuple[str, ...]

    def describe(self) -> str | None:
        """``Filter: arrondissement Paris 1er or Paris 2e; operator SAEMES (12 of 36)``;
        ``None`` when nothing is filtered out."""
        if not self.conditions:
            return None
        return f"Filter: {'; '.join(self.conditions)} ({len(self.records)} of {self.total})"


def apply(
    records: Sequence[Record],
    *,
    zones_kept: Sequence[str] = (),
    field_kept: Mapping[str, Sequence[str]] | None = None,
    lat: str = "lat",
    lon: str = "lon",
) -> Kept:
    """The records in one of ``zones_kept`` (any when empty) whose ``field`` is one of its
    kept values (any when empty), for each field of ``field_kept``."""
    kept = list(records)
    conditions = []
    if zones_kept:
        wanted = set(zones_kept)
        kept = [r for r in kept if zone_of(r, lat, lon) in wanted]
        conditions.append(f"arrondissement {' or '.join(zones_kept)}")
    for field, chosen in (field_kept or {}).items():
        if chosen:
            wanted = set(chosen)
            kept = [r for r in kept if value_of(r, field) in wanted]
            conditions.append(f"{field} {' or '.join(chosen)}")
    return Kept(kept, len(records), tuple(conditions))


def pick_zones(
    records: Iterable[Record], key: str, lat: str = "lat", lon: str = "lon"
) -> list[str]:
    """The arrondissement picker; none chosen means every one."""
    return st.multiselect(
        "Arrondissement",
        zones(records, lat, lon),
        key=key,
        placeholder="All arrondissements",
    )


def pick_values(records: Iterable[Record], field: str, label: str, key: str) -> list[str]:
    """A picker of ``field``'s values; none chosen means every one."""
    return st.multiselect(
        label, values(records, field), key=key, placeholder=f"Every {label.lower()}"
    )
