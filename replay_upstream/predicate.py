"""Compile an ODSQL ``where`` AST into a Python predicate over a dataset's rows."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from replay_upstream.odsql import (
    BoolOp,
    Compare,
    Const,
    IsNull,
    Literal,
    Node,
    Not,
    ODSQLError,
    Search,
)

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_UNCOMPARABLE = {"geo_point_2d", "geo_shape"}


def _coerce(kind: str, value: Literal, tz: tzinfo) -> Any:
    """The literal in the field's own representation (rows keep datetimes aware)."""
    if value is None or isinstance(value, bool):
        return value
    if kind == "datetime":
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ODSQLError(f"invalid datetime {value!r}", "where") from None
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if kind == "date":
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=tz)
            return moment.astimezone(tz).date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
    if kind in ("int", "double"):
        if isinstance(value, int | float):
            return value
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            raise ODSQLError(f"{value!r} is not a number", "where") from None
    if isinstance(value, datetime):
        raise ODSQLError("a date literal needs a date field", "where")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def compile_where(node: Node, kinds: Mapping[str, str], tz: tzinfo) -> Predicate:
    """``kinds`` maps field name to Opendatasoft type (text, int, double, date, datetime...)."""
    if isinstance(node, Const):
        constant = node.value
        return lambda row: constant
    if isinstance(node, Compare | IsNull):
        if node.field not in kinds:
            raise ODSQLError(f"Unknown field: {node.field}", "where")
        name = node.field
        if isinstance(node, IsNull):
            if node.negate:
                return lambda row: row.get(name) is not None
            return lambda row: row.get(name) is None
        if kinds[name] in _UNCOMPARABLE:
            raise ODSQLError(f"cannot compare geo field {name}", "where")
        literal = _coerce(kinds[name], node.value, tz)
        test = _OPS[node.op]
        if literal is None:
            return lambda row: False

        def compare(row: Row) -> bool:
            value = row.get(name)
            if value is None:
                return False
            try:
                return bool(test(value, literal))
            except TypeError:
                return False

        return compare
    if isinstance(node, BoolOp):
        parts = [compile_where(item, kinds, tz) for item in node.items]
        if node.op == "and":
            return lambda row: all(part(row) for part in parts)
        return lambda row: any(part(row) for part in parts)
    if isinstance(node, Not):
        inner = compile_where(node.item, kinds, tz)
        return lambda row: not inner(row)
    assert isinstance(node, Search)
    needle = node.text.casefold()
    texts = [name for name, kind in kinds.items() if kind == "text"]
    return lambda row: any(
        isinstance(row.get(name), str) and needle in row[name].casefold() for name in texts
    )
