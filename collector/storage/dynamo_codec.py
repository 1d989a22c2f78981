"""Python JSON-like values to DynamoDB low-level attribute values and back.

boto3's ``TypeSerializer`` goes through ``Decimal`` for every number and is several times slower
than these few type checks, which matters when a batch holds thousands of records.

Numbers travel as the ``N`` type with Decimal semantics: DynamoDB normalises them, so a float
without a fractional part (``1.0``, ``1e16``) reads back as an int (equal in Python, and in JSON
once re-encoded). NaN and infinities have no DynamoDB form and are rejected with ``ValueError``
(orjson would silently turn them into ``null``). Empty strings are fine outside keys. Values that
are not JSON-like (datetime, UUID, enum, dataclass...) are first converted the way orjson converts
them for the local backend, so both backends store the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

AttributeValue = dict[str, Any]
Item = dict[str, Any]


def encode(value: Any) -> AttributeValue:
    """One Python value as a low-level attribute value (``{"S": ...}``, ``{"M": ...}``...)."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is dict:
        return {"M": _encode_map(value)}
    # Exact type checks: the common cases cost one comparison, and True never passes for an int.
    if kind is int:
        return {"N": str(value)}
    if kind is float:
        return {"N": _float(value)}
    if kind is bool:
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if kind is list or kind is tuple:
        return {"L": [encode(v) for v in value]}
    return _encode_other(value)


def _encode_map(value: Mapping[Any, Any]) -> dict[str, AttributeValue]:
    out = {}
    for key, item in value.items():
        if type(key) is not str:
            raise TypeError(f"map keys must be strings, got {type(key).__name__} {key!r}")
        out[key] = encode(item)
    return out


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(
            f"DynamoDB cannot store {value!r} (NaN and infinities have no number form)"
        )
    text = repr(value)
    return text.replace("e", "E") if "e" in text else text


def _encode_other(value: Any) -> AttributeValue:
    # Subclasses (IntEnum, str enums, OrderedDict...) and non-JSON types land here.
    if isinstance(value, bool):
        return {"BOOL": bool(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"B": bytes(value)}
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"DynamoDB cannot store {value!r}")
        return {"N": str(value)}
    if isinstance(value, Mapping):
        return {"M": _encode_map(value)}
    if isinstance(value, (list, tuple)):
        return {"L": [encode(v) for v in value]}
    # orjson's own conversion, so the value matches what the local backend stores.
    return encode(orjson.loads(orjson.dumps(value)))


def decode(value: Mapping[str, Any]) -> Any:
    """One low-level attribute value as a Python value (numbers as int or float)."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        return number(value["N"])
    if "M" in value:
        return {k: decode(v) for k, v in value["M"].items()}
    if "L" in value:
        return [decode(v) for v in value["L"]]
    if "BOOL" in value:
        return value["BOOL"]
    if "NULL" in value:
        return None
    if "B" in value:
        return bytes(value["B"])
    if "SS" in value:
        return list(value["SS"])
    if "NS" in value:
        return [number(n) for n in value["NS"]]
    raise ValueError(f"unsupported DynamoDB attribute value with tags {sorted(value)}")


def number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def encode_item(values: Mapping[str, Any]) -> Item:
    return {k: encode(v) for k, v in values.items()}


def decode_item(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    return {k: decode(v) for k, v in item.items()}
