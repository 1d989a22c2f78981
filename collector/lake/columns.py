"""A dataset's or an analytic's lake columns, from the plugin's pydantic model.

Scalars keep their type (text, integer, float, boolean, timestamp in UTC, date); anything
nested (lists, mappings, sub-models, unions of several types) is stored as its JSON text, so
that a plugin's record always fits a flat table that Athena and DuckDB read the same way
(``json_extract`` reads it back).
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import orjson
import pyarrow as pa
from pydantic import BaseModel

TIMESTAMP = pa.timestamp("us", tz="UTC")
JSON_TEXT = pa.string()

RECORD_KEY = ("entity_id", "observed_at")
"""Columns that identify a silver record, first in every dataset table."""
GOLD_KEY = ("window_end",)
"""The column that identifies a gold point: one result per window."""
GOLD_TIMES = ("window_start", "window_end", "ran_at")


def _scalar(annotation: Any) -> pa.DataType | None:
    """The Arrow type of a scalar annotation, or ``None`` when it is not one."""
    if annotation is bool:
        return pa.bool_()
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return pa.string()
        if issubclass(annotation, bool):
            return pa.bool_()
        if issubclass(annotation, int):
            return pa.int64()
        if issubclass(annotation, float):
            return pa.float64()
        if issubclass(annotation, str):
            return pa.string()
        if issubclass(annotation, datetime):
            return TIMESTAMP
        if issubclass(annotation, date):
            return pa.date32()
    if get_origin(annotation) is Literal:
        kinds = {type(value) for value in get_args(annotation)}
        if kinds <= {str}:
            return pa.string()
        if kinds <= {int}:
            return pa.int64()
    return None


def arrow_type(annotation: Any) -> pa.DataType:
    """The column type of a field: its scalar type, optional or not; JSON text otherwise."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        found = {_scalar(member) for member in members}
        if len(found) == 1 and None not in found:
            return found.pop()
        if found <= {pa.int64(), pa.float64()}:
            return pa.float64()
        return JSON_TEXT
    # Annotated[...] and friends: pydantic keeps the bare type in the field info already.
    return _scalar(annotation) or JSON_TEXT


def model_fields(model: type[BaseModel], skip: Iterable[str] = ()) -> list[pa.Field]:
    """One nullable column per field of ``model`` (but ``skip``), in declaration order."""
    skipped = set(skip)
    out = []
    for name, info in model.model_fields.items():
        if name in skipped:
            continue
        column = pa.field(name, arrow_type(info.annotation), nullable=True)
        if info.description:
            column = column.with_metadata({"description": info.description})
        out.append(column)
    return out


def record_schema(model: type[BaseModel]) -> pa.Schema:
    """A silver dataset's table: the key, the record's fields, and its bronze object."""
    head = [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("observed_at", TIMESTAMP, nullable=False),
    ]
    tail = [pa.field("raw_key", pa.string(), nullable=True)]
    return pa.schema(head + model_fields(model, skip=(*RECORD_KEY, "raw_key")) + tail)


def gold_schema(model: type[BaseModel]) -> pa.Schema:
    """An analytic's table: its window, when it ran, and its output's fields."""
    head = [
        pa.field("window_start", TIMESTAMP, nullable=True),
        pa.field("window_end", TIMESTAMP, nullable=False),
        pa.field("ran_at", TIMESTAMP, nullable=True),
    ]
    return pa.schema(head + model_fields(model, skip=GOLD_TIMES))


def _timestamp(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _json(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _column(values: list[Any], kind: pa.DataType) -> pa.Array:
    if kind == pa.float64() or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        # Most columns already hold what they declare (text, numbers): Arrow converts those
        # in C, and refuses anything else (a mapping, a numeric text), which the per-value
        # conversion below then handles. Per value, this was most of a flush's Arrow time.
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    if pa.types.is_timestamp(kind):
        if all(v is None or isinstance(v, str) for v in values):
            # ISO 8601 text (what records serialise to): parsed by Arrow in C, offsets honoured.
            return pa.array(values, type=pa.string()).cast(kind)
        return pa.array([_timestamp(v) for v in values], type=kind)
    if kind == pa.date32():
        return pa.array([_date(v) for v in values], type=kind)
    if kind == pa.float64():
        return pa.array([_number(v) for v in values], type=kind)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pa.array([_json(v) for v in values], type=kind)
    return pa.array(values, type=kind)


def to_table(items: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """The rows as an Arrow table of ``schema``; a column a row lacks is null."""
    columns = [_column([item.get(f.name) for item in items], f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)
