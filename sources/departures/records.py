"""Departure record: one train leaving one station, updated by every poll until it leaves."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from collector.plugin import Record

Status = Literal["on_time", "delayed", "cancelled", "added"]


class Departure(Record):
    """``entity_id`` = ``{vehicle_journey_id}@{stop_area_id}``; ``observed_at`` = the base
    (scheduled) departure time, UTC. Both are stable across polls: a poll updates one row."""

    stream: ClassVar[str] = ""
    history: ClassVar[bool] = True
    # The board ("latest") keeps a train for a day after its scheduled time, then drops it;
    # the history keeps it for the source's retention.
    latest_ttl: ClassVar[timedelta | None] = timedelta(days=1)

    entity_id: str = Field(
        min_length=1,
        description="{vehicle_journey_id}@{stop_area_id}: one train at one station, the same "
        "in every poll",
    )
    observed_at: AwareDatetime = Field(
        description="the scheduled (base) departure time, UTC; the same as base_departure"
    )
    stop_area_id: str = Field(description="the stop area polled, e.g. stop_area:SNCF:87686006")
    station: str | None = Field(description="stop area name, e.g. Paris Gare de Lyon")
    stop_point_id: str | None = Field(
        description="the platform-level stop point, e.g. stop_point:SNCF:87686006:Train"
    )
    network: str | None = Field(description="e.g. TGV INOUI, TER, Transilien")
    commercial_mode: str | None = Field(description="commercial mode, e.g. TGV INOUI, TER")
    physical_mode: str | None = Field(description="e.g. Train grande vitesse")
    direction: str | None = Field(description="terminus label")
    headsign: str | None = Field(description="the train's headsign, usually its number")
    train_number: str | None = Field(description="trip_short_name, e.g. 6602")
    label: str | None = Field(description="line label")
    base_departure: AwareDatetime = Field(description="scheduled departure, UTC")
    realtime_departure: AwareDatetime | None = Field(description="expected departure, UTC")
    delay_minutes: float | None = Field(description="realtime minus base, minutes")
    data_freshness: str | None = Field(description="realtime or base_schedule")
    status: Status = Field(
        default="on_time",
        description="on_time, delayed (realtime later than scheduled), cancelled (NO_SERVICE) "
        "or added (a train only in realtime)",
    )
    disruption_message: str | None = Field(
        default=None, description="the message of the disruption the train links to, if any"
    )
