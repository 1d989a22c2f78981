"""Query parameters, declared once: the same declaration checks a request and documents it.

Each :class:`Param` has an OpenAPI schema and a converter that accepts exactly the strings the
schema describes (a pattern here is the one the converter uses). Unknown parameters, repeated
parameters and bad values are client mistakes: a 400 naming the parameter. A parameter whose
name starts with ``_`` (``_=1700000000``, a browser cache buster) is ignored.

Times: a date-time without an offset is UTC (as every stored time is); a bare date is a day
in Paris, its first second as ``since`` and its last as ``until``; a ``+`` sent unencoded in
an offset arrives as a space and is read as the ``+`` it was.

Page tokens (``next``) are bound to what they page: each carries a digest of the route that
issued it (the concrete path, ids included) and of the other parameters as converted (all but
``next`` and ``limit``, so a page size may change and ``fluide`` pages like ``Fluide``). A
token from another route or with other filters is a 400 instead of a silently wrong page. The
digests are no secret (nothing is, in a position): they catch mistakes, statelessly.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from chalicelib.errors import ApiError, invalid
from collector.storage.base import BadCursor, decode_cursor, encode_cursor
from readlayer.matching import NameQuery, enum_value

PARIS = ZoneInfo("Europe/Paris")
"""The day a bare date names (the platform's and its readers' calendar)."""
TIME_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?"
    r"([Zz]|[+ -][0-9]{2}:?[0-9]{2})?)?$"
)
"""ISO 8601; a space for the offset's sign is a ``+`` that a form decoder turned into one."""
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,1024}$"
PAGE_TOKEN = "next"
"""The name of the page token parameter, as errors name it."""
_TIME_RE = re.compile(TIME_PATTERN)
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_INT_RE = re.compile(r"[0-9]{1,9}")
_UNBOUND = frozenset({PAGE_TOKEN, "limit"})
"""Parameters a page token is not bound to."""


@dataclass(frozen=True, kw_only=True)
class Param:
    name: str
    description: str
    schema: Mapping[str, Any]
    convert: Callable[[str], Any]
    """Turn the raw string into a value, or raise ``ValueError`` with a message for the client."""
    default: Any = None
    examples: Sequence[str] = field(default_factory=tuple)

    def openapi(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": dict(self.schema),
        }
        if self.examples:
            doc["examples"] = {f"e{i}": {"value": v} for i, v in enumerate(self.examples, 1)}
        return doc


def parse_query(
    params: Iterable[Param], query: Mapping[str, Sequence[str]] | None
) -> dict[str, Any]:
    """The converted value of every declared parameter (its default when absent)."""
    declared = {p.name: p for p in params}
    values = {name: p.default for name, p in declared.items()}
    for name, given in (query or {}).items():
        if name.startswith("_"):
            continue
        param = declared.get(name)
        if param is None:
            known = ", ".join(sorted(declared)) or "none"
            raise invalid(name, f"unknown query parameter (this endpoint takes: {known})")
        if len(given) != 1:
            raise invalid(name, "given more than once")
        try:
            values[name] = param.convert(given[0])
        except ValueError as exc:
            raise invalid(name, str(exc)) from None
    return values


# converters ----------------------------------------------------------------------------------
def to_key(moment: datetime) -> str:
    """A UTC timestamp as the storage keys spell it (fixed width, whatever the year)."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def parse_time(text: str, *, end_of_day: bool = False) -> str:
    """ISO 8601 date or date-time -> storage key timestamp (UTC, to the second).

    A date-time without an offset is UTC. A bare date is a Paris day: its first second, or
    its last with ``end_of_day`` (what ``until=2026-12-02`` means).
    """
    match = _TIME_RE.match(text)
    if match is None:
        hint = " (write a + in a URL as %2B)" if "+" in text or " " in text else ""
        raise ValueError(
            "not an ISO 8601 date or date-time (e.g. 2025-11-04, 2025-11-04T19:00:00Z or "
            f"2025-11-04T20:00:00%2B01:00){hint}: {text!r}"
        )
    year, month, day, hour, minute, second, offset = match.groups()
    tz: timezone | ZoneInfo = UTC
    if hour is None:
        tz = PARIS
        hour, minute, second = ("23", "59", "59") if end_of_day else ("0", "0", "0")
    elif offset and offset not in "Zz":
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24):
            raise ValueError(f"offset out of range: {offset.replace(' ', '+')!r}")
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        # 23:59:59 exists on every Paris day: the clocks change at 02:00 and 03:00.
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute),
            min(int(second or 0), 59), tzinfo=tz,
        )  # fmt: skip
        return to_key(moment)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date or time: {text!r} ({exc})") from None


def from_key(key: str) -> datetime:
    """A storage key timestamp (``to_key``'s) as an aware UTC datetime."""
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def integer(lo: int, hi: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        if _INT_RE.fullmatch(text) is None or not lo <= int(text) <= hi:
            raise ValueError(f"must be an integer from {lo} to {hi} (got {text!r})")
        return int(text)

    return convert


def choice(values: Sequence[str]) -> Callable[[str], str]:
    """One of ``values``, case ignored (``fluide`` is ``Fluide``)."""

    def convert(text: str) -> str:
        return enum_value(text, values)

    return convert


def text(max_length: int) -> Callable[[str], str]:
    def convert(value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"at most {max_length} characters")
        return value

    return convert


def name(max_length: int) -> Callable[[str], NameQuery]:
    """Free text naming something, matched as :mod:`readlayer.matching` says."""
    check = text(max_length)

    def convert(value: str) -> NameQuery:
        return NameQuery(check(value))

    return convert


def boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"must be true or false (got {text!r})")
    return text == "true"


@dataclass(frozen=True, kw_only=True)
class PageToken:
    """A decoded ``next`` token: where the next page starts, and what it was issued for."""

    position: dict[str, Any]
    route: str
    query: str


def token(text: str) -> PageToken:
    """A ``next`` token's form; whether it fits the request is :func:`page_position`'s."""
    foreign = "not a pagination token issued by this API"
    if _TOKEN_RE.match(text) is None:
        raise ValueError(foreign)
    try:
        found = decode_cursor(text)
    except BadCursor as exc:
        raise ValueError(str(exc)) from None
    position, route, query = found.get("p"), found.get("r"), found.get("q")
    if not (isinstance(position, dict) and isinstance(route, str) and isinstance(query, str)):
        raise ValueError(foreign)
    return PageToken(position=position, route=route, query=query)


def _digest(value: Any) -> str:
    data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return base64.urlsafe_b64encode(hashlib.blake2b(data, digest_size=6).digest()).decode()


def _bound(values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a token is bound to, as compared: a name by its folded form, so
    ``gare de l'Est`` pages like ``Gare de l’Est``."""
    return {
        k: ["name", v.key] if isinstance(v, NameQuery) else v
        for k, v in values.items()
        if k not in _UNBOUND
    }


def bind_token(inner: str | None, route: str, values: Mapping[str, Any]) -> str | None:
    """The ``next`` token of a page: ``inner`` (the read layer's or the storage's position
    token) bound to ``route`` and the request's other parameters."""
    if inner is None:
        return None
    position = decode_cursor(inner)
    return encode_cursor({"p": position, "r": _digest(route), "q": _digest(_bound(values))})


def page_position(values: Mapping[str, Any], route: str) -> dict[str, Any] | None:
    """The position a request's ``next`` token resumes from (None without one).

    A token issued by another route, or with other parameters, is a 400 naming ``next``.
    """
    given = values.get(PAGE_TOKEN)
    if given is None:
        return None
    if not isinstance(given, PageToken) or given.route != _digest(route):
        raise invalid(
            PAGE_TOKEN,
            f"this token was issued by another endpoint, not {route}: "
            f"ask {route} for its first page without {PAGE_TOKEN}",
        )
    if given.query != _digest(_bound(values)):
        raise invalid(
            PAGE_TOKEN,
            "this token was issued for other query parameters: send the ones of the first "
            f"page again (only limit may change), or start over without {PAGE_TOKEN}",
        )
    return given.position


def position_field(position: Mapping[str, Any] | None, key: str, kind: type) -> Any:
    """The ``key`` of a page position, or None without one; a foreign position is a 400."""
    if position is None:
        return None
    found = position.get(key)
    if not isinstance(found, kind):
        raise invalid(PAGE_TOKEN, "not a pagination token of this endpoint")
    return found


# the parameters the endpoints share -----------------------------------------------------------
def limit(default: int, maximum: int) -> Param:
    return Param(
        name="limit",
        description=f"items per page, 1-{maximum} (default {default})",
        schema={"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        convert=integer(1, maximum),
        default=default,
    )


NEXT = Param(
    name=PAGE_TOKEN,
    description="opaque token from a previous answer's `meta.next`: the following page. It "
    "is valid only on the route that issued it and with the same other parameters (`limit` "
    "may change); otherwise the answer is a 400",
    schema={"type": "string", "pattern": TOKEN_PATTERN},
    convert=token,
)

TIME_RULES = (
    "ISO 8601 date or date-time, to the second. A date-time without an offset is UTC; a bare "
    "date is a day in Paris (Europe/Paris): as `since` its first second, as `until` its last "
    "(`until=2026-12-02` is up to 2026-12-02T23:59:59 Paris time). Write a `+` in an offset as "
    "`%2B`; sent as is, it arrives as a space and is read as `+` all the same"
)


def time_param(name: str, description: str, *, end_of_day: bool | None = None) -> Param:
    """A time parameter; a bare date is the end of its day when ``end_of_day`` (by default:
    for ``until``)."""
    end = name == "until" if end_of_day is None else end_of_day

    def convert(text: str) -> str:
        return parse_time(text, end_of_day=end)

    return Param(
        name=name,
        description=f"{description}. {TIME_RULES}",
        schema={"type": "string", "pattern": TIME_PATTERN},
        convert=convert,
        examples=("2025-11-04T19:00:00Z", "2025-11-04", "2025-11-04T20:00:00+01:00"),
    )


SINCE = time_param("since", "start of the time range (inclusive)")
UNTIL = time_param("until", "end of the time range (inclusive)")

ARRONDISSEMENT = Param(
    name="arrondissement",
    description="only this Paris arrondissement, 1-20",
    schema={"type": "integer", "minimum": 1, "maximum": 20},
    convert=integer(1, 20),
)


def time_range(values: Mapping[str, Any], *, since: str = "", until: str = "~") -> tuple[str, str]:
    """``(since, until)`` as storage keys, the defaults standing in for what was not sent.

    A default never contradicts what was sent (``until`` alone before the default ``since``
    reads from the start); ``since`` after ``until``, both sent, is a 400 naming both.
    """
    lo, hi = values.get("since"), values.get("until")
    if lo is not None and hi is not None and lo > hi:
        raise ApiError(
            400,
            "invalid_parameter",
            f"since: since={lo} is after until={hi} (UTC; a bare date is a Paris day, the "
            "first second of it as since, the last as until): send since <= until",
            parameter="since",
        )
    lo = lo if lo is not None else (since if hi is None or since <= hi else "")
    hi = hi if hi is not None else (until if until >= lo else "~")
    return lo, hi
