"""The plugin contract: what a source or an aggregation declares, and what the core gives it.

This module is the project's most important API. A source is a folder under ``sources/`` (or an
entry point in ``paris_collector.sources``) whose package exposes ``SOURCE``; an aggregation is
a folder under ``aggregations/`` (or ``paris_collector.aggregations``) exposing ``AGGREGATION``.
The core owns scheduling, retries, storage, logging and shutdown; a plugin owns ``fetch``,
``parse`` and ``compute`` only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from collector.keys import ts

# Re-exported: a plugin imports the whole contract from this module.
from collector.plugin_coverage import Check as Check
from collector.plugin_coverage import Coverage as Coverage
from collector.plugin_coverage import Data as Data
from collector.plugin_coverage import Revisit as Revisit

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from collector.http import HttpClient
    from collector.settings import Settings


@dataclass(frozen=True, kw_only=True)
class Reference:
    """A field each record of a dataset takes from another dataset's latest view, matched by
    ``entity_id`` (traffic counts take their arc's line from ``traffic.arcs``).

    Declared on a record type (``Record.references``), it lets the daemon store the dataset's
    latest snapshot already joined (:mod:`collector.snapshot`), so a reader gets "now" with
    its reference in one read. Optional: without it, readers join at read time.
    """

    field: str
    """The name the value takes in the joined record (``geometry``)."""
    dataset: str
    """The dataset it comes from, as storage names it (``traffic.arcs``)."""
    value: str
    """The field of that dataset's record copied (``geometry``); null when the entity is
    absent from it or the record lacks it."""


class Record(BaseModel):
    """One clean observation. Subclasses add fields; the key is (entity_id, observed_at).

    ``stream`` names a sub-dataset of the source (e.g. ``arcs`` for the traffic arc
    reference): records land in the dataset ``{source}`` or ``{source}.{stream}``.
    ``history = False`` keeps only the latest record per entity (reference data).
    """

    # NaN and infinity are not data: they are rejected like any invalid value, on both backends.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    stream: ClassVar[str] = ""
    history: ClassVar[bool] = True
    latest_ttl: ClassVar[timedelta | None] = None
    """How long an entity stays in the latest view after its observation time (None: until
    it is observed again). Departures use it: yesterday's trains leave the board."""
    references: ClassVar[tuple[Reference, ...]] = ()
    """Fields joined from other datasets into the stored latest snapshot (:class:`Reference`)."""

    entity_id: str = Field(min_length=1)
    observed_at: AwareDatetime

    @field_validator("entity_id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "latest":
            raise ValueError("'latest' is reserved by the storage keys")
        return value

    observed_since: ClassVar[datetime] = datetime(1990, 1, 1, tzinfo=UTC)
    """The earliest plausible observation: anything older is a bad value, set aside."""
    observed_ahead: ClassVar[timedelta] = timedelta(days=2)
    """How far past the wall clock an observation may be (a scheduled departure, clock skew):
    anything later is a bad value, set aside, never written (it would freeze the latest view
    and the source's freshness)."""

    @field_validator("observed_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        # Keys compare as strings: every timestamp is normalised to whole seconds in UTC.
        # Runs on every record: a value already in whole UTC seconds (what a parser that
        # caches its timestamps hands over) skips the conversion.
        moment = value if value.tzinfo is UTC and not value.microsecond else to_utc(value)
        if moment < cls.observed_since:
            raise ValueError(f"{ts(moment)} is before {ts(cls.observed_since)}")
        ahead = moment - datetime.now(UTC)
        if ahead > cls.observed_ahead:
            raise ValueError(
                f"{ts(moment)} is {_span(ahead)} in the future "
                f"(at most {_span(cls.observed_ahead)} allowed)"
            )
        return moment


R = TypeVar("R", bound=Record)


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC, whole seconds; a ValueError (never OverflowError) when out of range.

    ``0001-01-01T00:00:00+01:00`` is a valid ISO string whose UTC time falls before year 1:
    converting it raises OverflowError, which pydantic does not turn into a validation error.
    """
    try:
        return value.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"timestamp out of range: {exc}") from None


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


@dataclass(frozen=True, kw_only=True)
class Invalid:
    """A record the parser set aside, with the reason and what it saw."""

    reason: str
    data: Any
    entity_id: str | None = None


def validate(model: type[R], data: Mapping[str, Any]) -> R | Invalid:
    """Build ``model`` from ``data``, or return an :class:`Invalid` naming the bad fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<record>'}: {err['msg']}"
            for err in exc.errors()
        )
    except (ArithmeticError, TypeError, ValueError) as exc:
        # What a validator of the plugin's own may raise on a bad value (an OverflowError
        # from a date far out of range): that record is set aside, the others still land.
        reasons = f"<record>: {type(exc).__name__}: {exc}"
    entity = data.get("entity_id") if isinstance(data, Mapping) else None
    return Invalid(
        reason=reasons,
        data=dict(data) if isinstance(data, Mapping) else data,
        entity_id=str(entity) if entity else None,
    )


def validate_many(model: type[R], rows: Sequence[Any]) -> list[R | Invalid]:
    """:func:`validate` of each of ``rows``, in order, in one pydantic call when all are valid.

    One call for the whole payload saves the per-record call overhead (a traffic hour is
    ~3,000 records). When some rows are bad, each bad one is validated alone for its reason,
    exactly as :func:`validate` gives it, and the others again in one call.
    """
    adapter = _list_adapter(model)
    try:
        return list(adapter.validate_python(rows))
    except ValidationError as exc:
        bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    except (ArithmeticError, TypeError, ValueError):
        bad = set()  # raised by a plugin's own validator outside pydantic: which row is unknown
    if bad:
        try:
            good = iter(adapter.validate_python([r for i, r in enumerate(rows) if i not in bad]))
            return [validate(model, r) if i in bad else next(good) for i, r in enumerate(rows)]
        except (ValidationError, ArithmeticError, TypeError, ValueError):
            pass  # a validator that is not a pure function of its row (the clock): one by one
    return [validate(model, row) for row in rows]


@cache
def _list_adapter(model: type[R]) -> TypeAdapter[list[R]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


class SourceError(Exception):
    """An expected upstream failure (HTTP error, quota, bad body): logged without traceback.

    ``retry_after`` (seconds) asks the core to wait at least that long before the next try.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


# Bounds of the settings every source and aggregation has: generous, but finite, since a
# value past them passes a type check, then overflows a datetime or a timer in the daemon.
MAX_INTERVAL_S = 30 * 86_400
MAX_DEADLINE_S = 86_400
MAX_WINDOW_HOURS = 366 * 24
MAX_RETENTION_DAYS = 36_500


class SourceSettings(BaseModel):
    """Settings every source has; a plugin subclasses it to add its own.

    Set from the environment as ``PARIS_SOURCES__<NAME>__<FIELD>`` or the TOML table
    ``[sources.<name>]``.
    """

    # inf/nan, like a value past the bounds, would pass and then overflow in the daemon.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    enabled: bool = True
    interval: float | None = Field(
        default=None, gt=0, le=MAX_INTERVAL_S, description="seconds between runs"
    )
    deadline: float | None = Field(
        default=None, gt=0, le=MAX_DEADLINE_S, description="seconds a run may take"
    )
    retention_days: int = Field(
        default=90, ge=1, le=MAX_RETENTION_DAYS, description="silver history kept, days"
    )
    freshness: float | None = Field(
        default=None,
        gt=0,
        le=MAX_INTERVAL_S,
        description="seconds the newest data may be old before it is stale (the source's own"
        " objective by default)",
    )
    max_body_bytes: int = Field(
        default=256 * 1024 * 1024,
        gt=0,
        description="largest upstream response body read, bytes; a larger one fails the run",
    )


@dataclass(frozen=True, kw_only=True)
class FetchContext:
    """What the core hands to ``fetch``: everything it may use for I/O and memory."""

    http: HttpClient
    settings: Any
    app: Settings
    state: Mapping[str, str]
    now: datetime
    log: FilteringBoundLogger


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """The raw answer of one tick. ``payload`` is archived verbatim before it is parsed.

    ``state`` is saved only after silver acknowledged the write (e.g. a watermark).
    """

    payload: bytes
    meta: Mapping[str, str] = field(default_factory=dict)
    state: Mapping[str, str] = field(default_factory=dict)
    expect_records: bool = False
    """The upstream said there is data in this payload (traffic's change check announced new
    hours): if it parses into no valid record the run is ``missing``, a failure, and ``state``
    is not saved, so the next run asks again. Otherwise such a run is ``empty``: not a
    failure, but counted and shown (a board with no train at night)."""


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Something about the payload worth telling the operator once, e.g. schema drift.

    The core logs each distinct ``key`` once (it remembers them in the source's state), so a
    parser may yield the same notice on every payload without flooding the log.
    """

    key: str
    message: str


Parsed = Record | Invalid | Notice


@dataclass(frozen=True, kw_only=True)
class Source:
    """A source plugin. ``name`` is its folder's name and part of every storage key."""

    name: str
    description: str
    interval: timedelta
    records: tuple[type[Record], ...]
    fetch: Callable[[FetchContext], Awaitable[Fetched | None]]
    parse: Callable[[bytes], Iterable[Parsed]]
    settings: type[SourceSettings] = SourceSettings
    licence: str = ""
    attribution: str = ""
    disabled_reason: Callable[[Settings, Any], str | None] | None = None
    """Return why the source cannot run with these settings (e.g. a missing token)."""
    backfill: Callable[[FetchContext, datetime, datetime], Awaitable[Fetched | None]] | None = None
    """Fetch what the publisher holds for the slice ``[start, end)``, as a payload ``parse``
    reads (``paris-collector backfill``); ``None``: the source cannot backfill. It must leave
    the live cursor alone: ``Fetched.state`` is ignored."""
    backfill_slice: timedelta = timedelta(days=1)
    """How much history one backfill request asks for."""
    coverage: Coverage = field(default_factory=Coverage)
    """What the completeness ledger counts as a slot and as reporting (:class:`Coverage`)."""
    freshness: timedelta | None = None
    """How old the newest data may be before it is stale (traffic is published the next
    day; parking every few minutes); default: three intervals. ``PARIS_SOURCES__<NAME>__
    FRESHNESS`` (seconds) overrides it."""
    checks: tuple[Check, ...] = ()
    """Data-quality checks on each record or each slot (:class:`Check`)."""
    revisit: Revisit | None = None
    """A trailing window fetched again once in a while (needs ``backfill``)."""

    def datasets(self) -> tuple[str, ...]:
        return tuple(dataset_name(self.name, model) for model in self.records)


def dataset_name(source: str, model: type[Record]) -> str:
    """The storage name of a record type: ``source`` or ``source.stream``."""
    return f"{source}.{model.stream}" if model.stream else source


@dataclass(frozen=True, kw_only=True)
class Window:
    """The time span an aggregation run covers: ``start`` (exclusive) to ``end`` (inclusive)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Silver records handed to ``compute``: per dataset, the latest snapshot and the window."""

    latest: Mapping[str, Sequence[Mapping[str, Any]]]
    window: Mapping[str, Sequence[Mapping[str, Any]]]
    settings: Any
    now: datetime


class AggregationSettings(BaseModel):
    """Settings every aggregation has (``PARIS_AGGREGATIONS__<NAME>__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    enabled: bool = True
    interval: float | None = Field(
        default=None, gt=0, le=MAX_INTERVAL_S, description="seconds between runs"
    )
    window_hours: float | None = Field(
        default=None, gt=0, le=MAX_WINDOW_HOURS, description="hours of history read"
    )
    retention_days: int = Field(
        default=365, ge=1, le=MAX_RETENTION_DAYS, description="gold history kept, days"
    )


@dataclass(frozen=True, kw_only=True)
class Aggregation:
    """An aggregation plugin: a pure ``compute`` over silver records into one gold result."""

    name: str
    description: str
    inputs: tuple[str, ...]
    """Datasets read (``source`` or ``source.stream``); checked against the sources at startup."""
    interval: timedelta
    window: timedelta
    output: type[BaseModel]
    compute: Callable[[Inputs, Window], BaseModel]
    settings: type[AggregationSettings] = AggregationSettings
    latest_inputs: tuple[str, ...] = ()
    """Datasets of which the latest snapshot is read (default: none, only the window)."""
    lead: timedelta = timedelta(0)
    """How far past the run time the window reaches: for records stamped with a scheduled
    time (a departure's time), so that the trains about to leave are counted too."""
