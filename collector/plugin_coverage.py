"""The plugin contract, continued: what a source declares about the completeness of its data.

Re-exported by :mod:`collector.plugin`, where a plugin imports it from. Every declaration here
is optional: a source that declares nothing still gets a ledger (one slot per interval, every
record counted as reporting), a freshness objective (three intervals) and no quality check.

- :class:`Coverage` tells the completeness ledger (:mod:`collector.ledger`) what a slot is
  and which records count as "reporting";
- :class:`Check` is a data-quality check, on one record or on one slot of the ledger: a
  failed check flags, it never drops (the record is stored with its flags, the analytics
  exclude it and say so);
- :class:`Revisit` asks the daemon to fetch a trailing window again once in a while, for the
  data a publisher fills in or corrects after first publishing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

Data = Mapping[str, Any]
"""A record as stored (its JSON data): what checks and coverage rules read, live, when the
ledger is rebuilt from bronze, and in the analytics alike."""


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """How the completeness ledger counts a source's slots.

    A slot is expected every ``slot`` (default: the source's interval), aligned on the epoch
    (UTC). ``by="fetched"``: a slot is the run that fetched in it (parking, departures);
    ``by="observed"``: a slot is the publisher's own period, the records' ``observed_at``
    (traffic: the hour the counts are for, whenever they arrive).
    """

    slot: timedelta | None = None
    by: Literal["fetched", "observed"] = "fetched"
    dataset: str | None = None
    """The dataset counted (``source`` or ``source.stream``); default: the source's first."""
    entity: str | None = None
    """The data field naming what reports (departures: ``station``); default: ``entity_id``."""
    reporting: Callable[[Data], bool] | None = None
    """True when a record carries a measure (traffic: ``q`` or ``k`` not null); default: all."""
    answered: Callable[[bytes], Iterable[str]] | None = None
    """The entities a payload answered for, with records or not (a departure board empty at
    night is an answer): counted as seen and reporting in a fetched slot. Read from the raw
    payload, live and when the ledger is rebuilt from bronze alike."""
    partial_below: float = 0.9
    """A slot whose reporting entities fall under this share of those expected is partial."""
    late_after: timedelta | None = None
    """A slot first received later than this after its end is ``late``; default: the
    source's freshness objective."""


@dataclass(frozen=True, kw_only=True)
class Check:
    """A data-quality check declared by a source, on each record or on each ledger slot.

    Exactly one of ``record`` and ``slot`` is given. ``record(data)`` returns True when the
    record passes; a failing record is stored with the check's name in its ``_quality`` list,
    and the analytics exclude it, counted by this name. ``slot(entry, previous)`` reads the
    ledger entry of a slot and the one before (None for the first) and returns True when the
    slot passes; a failing slot is ``partial`` with the check named in its ``checks``.
    """

    name: str
    description: str
    record: Callable[[Data], bool] | None = None
    slot: Callable[[Data, Data | None], bool] | None = None
    dataset: str | None = None
    """The dataset a record check reads (``source`` or ``source.stream``); default: the
    source's first. A reference stream (``traffic.arcs``) lacks the measures a check reads."""

    def __post_init__(self) -> None:
        if (self.record is None) == (self.slot is None):
            raise ValueError(f"check {self.name!r}: give exactly one of record= and slot=")


@dataclass(frozen=True, kw_only=True)
class Revisit:
    """Fetch the trailing ``window`` again every ``every``, through the source's ``backfill``:
    changed records are upserted (the history keeps the new value) and counted as revisions
    in the ledger."""

    window: timedelta
    every: timedelta = timedelta(days=1)
