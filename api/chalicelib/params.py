"""Query parameters, declared once: the same declaration checks a request and documents it.

Each :class:`Param` has an OpenAPI schema and a converter that accepts exactly the strings the
schema describes (a pattern here is the one the converter uses). Unknown parameters, repeated
parameters and bad values are client mistakes: a 400 naming the parameter. A parameter whose
name starts with ``_`` (``_=1700000000``, a browser cache buster) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from chalicelib.errors import invalid
from collector.storage.base import BadCursor, decode_cursor

TIME_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,1024}$"
_TIME_RE = re.compile(TIME_PATTERN)
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_INT_RE = re.compile(r"[0-9]{1,9}")


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


def parse_time(text: str) -> str:
    """ISO 8601 date or date-time (offset optional, UTC if none) -> storage key timestamp."""
    match = _TIME_RE.match(text)
    if match is None:
        raise ValueError(
            f"not an ISO 8601 date or date-time (e.g. 2025-11-04 or 2025-11-04T19:00:00Z): {text!r}"
        )
    year, month, day, hour, minute, second, offset = match.groups()
    tz = UTC
    if offset and offset not in "Zz":
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24):
            raise ValueError(f"offset out of range: {offset!r}")
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0),
            min(int(second or 0), 59), tzinfo=tz,
        )  # fmt: skip
        return to_key(moment)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date or time: {text!r} ({exc})") from None


def integer(lo: int, hi: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        if _INT_RE.fullmatch(text) is None or not lo <= int(text) <= hi:
            raise ValueError(f"must be an integer from {lo} to {hi} (got {text!r})")
        return int(text)

    return convert


def choice(values: Sequence[str]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if text not in values:
            raise ValueError(f"must be one of {', '.join(values)} (got {text!r})")
        return text

    return convert


def text(max_length: int) -> Callable[[str], str]:
    def convert(value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"at most {max_length} characters")
        return value

    return convert


def boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"must be true or false (got {text!r})")
    return text == "true"


def token(text: str) -> dict[str, Any]:
    """A ``next`` token: checked here, its content checked by the endpoint that reads it."""
    if _TOKEN_RE.match(text) is None:
        raise ValueError("not a pagination token issued by this API")
    try:
        return decode_cursor(text)
    except BadCursor as exc:
        raise ValueError(str(exc)) from None


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
    name="next",
    description="opaque token from a previous answer's `meta.next`: the following page",
    schema={"type": "string", "pattern": TOKEN_PATTERN},
    convert=token,
)


def time_param(name: str, description: str) -> Param:
    return Param(
        name=name,
        description=description
        + ". ISO 8601 date or date-time, to the second; UTC when no offset is given",
        schema={"type": "string", "pattern": TIME_PATTERN},
        convert=parse_time,
        examples=("2025-11-04T19:00:00Z", "2025-11-04"),
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
    """``(since, until)`` as storage keys; ``since`` after ``until`` is a client mistake."""
    lo = values.get("since") or since
    hi = values.get("until") or until
    if lo > hi:
        raise invalid("since", f"{lo} is after until={hi}")
    return lo, hi


def cursor_field(values: Mapping[str, Any], key: str, kind: type) -> Any:
    """The ``key`` of the decoded ``next`` token, or None; a foreign token is a 400."""
    position = values.get("next")
    if position is None:
        return None
    found = position.get(key)
    if not isinstance(found, kind):
        raise invalid("next", "not a pagination token of this endpoint")
    return found
