"""Which fields of a dataset's records a snapshot can be filtered on, from its JSON schema.

Equality only, and only where it means something: strings without a format (a time never
equals a query), enums, integers and booleans, each possibly nullable. Numbers (a measured
flow, a price) and lists are not filters. ``observed_at`` is the time axis, not a filter; the
names the readers use for paging (``limit``, ``next``) are never filters either.

Text is matched as :mod:`readlayer.matching` says: enums ignoring case, names ignoring case,
accents and the apostrophe's form, identifiers (``entity_id``, ``*_id``) exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import orjson

from readlayer.matching import NameQuery, enum_value, is_identifier

Kind = Literal["string", "integer", "boolean"]
RESERVED = frozenset({"observed_at", "limit", "next", "since", "until"})
MAX_TEXT = 200
_INT_RE = re.compile(r"-?[0-9]{1,18}")


@dataclass(frozen=True, kw_only=True)
class Filter:
    name: str
    kind: Kind
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""

    @property
    def by_name(self) -> bool:
        """Free text that is not an identifier: matched as a name (see the module)."""
        return self.kind == "string" and not self.enum and not is_identifier(self.name)

    def convert(self, text: str) -> Any:
        """The query string as the value :func:`matches` looks for (an enum's canonical value,
        a :class:`~readlayer.matching.NameQuery` for a name); ``ValueError`` names what is
        expected."""
        if self.enum:
            return enum_value(text, self.enum)
        if self.kind == "boolean":
            if text not in ("true", "false"):
                raise ValueError(f"must be true or false (got {text!r})")
            return text == "true"
        if self.kind == "integer":
            if _INT_RE.fullmatch(text) is None:
                raise ValueError(f"must be an integer (got {text!r})")
            value = int(text)
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValueError(f"must be from {self.minimum} to {self.maximum} (got {text!r})")
            return value
        if not text.strip():
            raise ValueError("must not be empty")
        if len(text) > MAX_TEXT:
            raise ValueError(f"at most {MAX_TEXT} characters")
        return NameQuery(text) if self.by_name else text


def _variants(prop: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A property's non-null alternatives (``anyOf: [X, null]`` is a nullable X)."""
    options = prop.get("anyOf") or prop.get("oneOf")
    if options is None:
        kinds = prop.get("type")
        if isinstance(kinds, list):
            return [{**prop, "type": k} for k in kinds if k != "null"]
        return [prop]
    return [o for o in options if o.get("type") != "null"]


def _resolve(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = prop.get("$ref")
    if isinstance(ref, str):
        found = defs.get(ref.rsplit("/", 1)[-1])
        if isinstance(found, Mapping):
            return found
    return prop


def _filter(name: str, prop: Mapping[str, Any], defs: Mapping[str, Any]) -> Filter | None:
    variants = [_resolve(v, defs) for v in _variants(prop)]
    if len(variants) != 1:
        return None
    only = variants[0]
    described = str(prop.get("description") or only.get("description") or "")
    enum = only.get("enum")
    if "const" in only and isinstance(only["const"], str):
        enum = [only["const"]]
    if isinstance(enum, Sequence) and enum and all(isinstance(e, str) for e in enum):
        return Filter(name=name, kind="string", enum=tuple(enum), description=described)
    kind = only.get("type")
    if kind == "string" and "format" not in only:
        return Filter(name=name, kind="string", description=described)
    if kind == "boolean":
        return Filter(name=name, kind="boolean", description=described)
    if kind == "integer":
        low, high = only.get("minimum"), only.get("maximum")
        return Filter(
            name=name,
            kind="integer",
            minimum=low if isinstance(low, int) else None,
            maximum=high if isinstance(high, int) else None,
            description=described,
        )
    return None


@cache
def _filters(schema_json: bytes) -> tuple[Filter, ...]:
    schema = orjson.loads(schema_json)
    defs = schema.get("$defs", {})
    found = []
    for name, prop in schema.get("properties", {}).items():
        if name in RESERVED or name.startswith("_") or not isinstance(prop, Mapping):
            continue
        made = _filter(name, prop, defs)
        if made is not None:
            found.append(made)
    return tuple(found)


def filters_of(schema: Mapping[str, Any] | None) -> tuple[Filter, ...]:
    """The filterable fields of a record schema, in the schema's order."""
    if not schema:
        return ()
    return _filters(orjson.dumps(schema))


def matches(item: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether ``item`` has every wanted value (as :meth:`Filter.convert` made them)."""
    return all(_equal(item.get(name), value) for name, value in wanted.items())


def _equal(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, NameQuery):
        return wanted.matches(stored)
    # ``True == 1`` in Python: a boolean filter must not match an integer field, nor back.
    return stored == wanted and isinstance(stored, bool) == isinstance(wanted, bool)
