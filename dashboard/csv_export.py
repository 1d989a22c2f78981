"""The dashboard's CSV downloads: one format for every table.

A file opens with ``# `` comment lines saying what it holds, how its times are written, and who
published the data under which licence (the licence travels with the file); then the header
row and the rows. ``pandas.read_csv(path, comment="#")`` reads it back: every text field is
quoted, so a ``#`` inside a name or an address is data, not the start of a comment.

Times are ISO 8601 in Paris local time with their UTC offset (``2026-12-02T10:00:00+01:00``),
the time the dashboard shows, unambiguous for any reader; coordinates are ``lat``/``lon`` in
degrees WGS84 wherever the records have some.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]

PARIS = ZoneInfo("Europe/Paris")
TIMES_NOTE = (
    "Times: ISO 8601 in Paris local time (Europe/Paris) with the UTC offset, "
    "e.g. 2026-12-02T10:00:00+01:00"
)
COORDINATES = ("lat", "lon")
COORDINATES_NOTE = "Coordinates: lat, lon in decimal degrees (WGS84)"


@dataclass(frozen=True)
class Publisher:
    """Who published a dataset, and under which licence."""

    attribution: str
    licence: str


def iso_paris(moment: datetime | None) -> str | None:
    """``2026-12-02T10:00:00+01:00``; ``None`` stays ``None`` (an empty field)."""
    if moment is None or pd.isna(moment):
        return None
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:  # storage times are UTC
        stamp = stamp.tz_localize("UTC")
    return str(stamp.tz_convert(PARIS).isoformat(timespec="seconds"))


def _is_time(column: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    present = column.dropna()
    return (
        column.dtype == object
        and not present.empty
        and all(isinstance(v, datetime) for v in present)
    )


def _times_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if _is_time(out[name]):
            out[name] = [iso_paris(v) for v in out[name]]
    return out


def header(
    title: str,
    publishers: Sequence[Publisher],
    *,
    exported: datetime,
    columns: Iterable[str] = (),
    notes: Sequence[str] = (),
) -> list[str]:
    """The comment lines above the table (without ``# ``)."""
    lines = [title, f"Exported: {iso_paris(exported)}", TIMES_NOTE]
    if set(COORDINATES) <= set(columns):
        lines.append(COORDINATES_NOTE)
    lines.extend(notes)
    if not publishers:
        lines.append("Attribution: publisher unknown")
    for publisher in publishers:
        lines.append(f"Attribution: {publisher.attribution or 'publisher unknown'}")
        lines.append(f"Licence: {publisher.licence or 'not stated by the publisher'}")
    return lines


def _one_line(text: str) -> str:
    # A comment spans one line: a newline in a note would start a data row.
    return " ".join(text.split())


def to_csv(
    frame: pd.DataFrame,
    title: str,
    publishers: Sequence[Publisher],
    *,
    exported: datetime,
    notes: Sequence[str] = (),
) -> bytes:
    """``frame`` as a CSV file (UTF-8), its comment header first."""
    lines = header(title, publishers, exported=exported, columns=frame.columns, notes=notes)
    comments = "".join(f"# {_one_line(line)}\n" for line in lines)
    body: str = _times_as_text(frame).to_csv(
        index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n"
    )
    return (comments + body).encode("utf-8")
