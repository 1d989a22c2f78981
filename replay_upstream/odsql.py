"""The ODSQL subset real clients send: ``where``, ``select`` and ``order_by`` clauses.

Parsed to a small AST, then compiled against a dataset's field types (see :mod:`.query`).
Anything outside the subset is an :class:`ODSQLError`, as Opendatasoft answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Literal = int | float | str | bool | datetime | None


class ODSQLError(Exception):
    """A clause Opendatasoft would reject with ``error_code: ODSQLError``."""

    def __init__(self, detail: str, clause: str) -> None:
        super().__init__(
            f"ODSQL query is malformed: {detail} Clause(s) containing the error(s): {clause}."
        )


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # = != > >= < <=
    value: Literal


@dataclass(frozen=True)
class IsNull:
    field: str
    negate: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # and / or
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Search:
    text: str


@dataclass(frozen=True)
class Const:
    value: bool


Node = Compare | IsNull | BoolOp | Not | Search | Const

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<date>date\s*(?P<dq>['"])(?P<dv>.*?)(?P=dq))
    | (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
    | (?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
    | (?P<ident>`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>!=|<>|>=|<=|=|>|<|\(|\)|,|\*)
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_FLIP = {"=": "=", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}
_KEYWORDS = {"and", "or", "not", "is", "null", "true", "false", "as", "asc", "desc"}


def tokenize(text: str, clause: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ODSQLError(f"unexpected character {text[pos : pos + 10]!r}", clause)
        pos = match.end()
        if match.group("date") is not None:
            tokens.append(("lit", _date(match.group("dv"), clause)))
        elif (num := match.group("num")) is not None:
            tokens.append(("lit", float(num) if "." in num else int(num)))
        elif (raw := match.group("str")) is not None:
            quote = raw[0]
            body = raw[1:-1].replace(quote * 2, quote)
            tokens.append(("lit", re.sub(r"\\(.)", r"\1", body)))
        elif (ident := match.group("ident")) is not None:
            lower = ident.lower()
            if ident.startswith("`"):
                tokens.append(("ident", ident[1:-1]))
            elif lower in ("true", "false"):
                tokens.append(("lit", lower == "true"))
            elif lower in _KEYWORDS:
                tokens.append(("kw", lower))
            else:
                tokens.append(("ident", ident))
        else:
            tokens.append(("op", "!=" if match.group("op") == "<>" else match.group("op")))
    return tokens


def _date(value: str, clause: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ODSQLError(f"invalid date literal {value!r}", clause) from None


class _Parser:
    def __init__(self, text: str, clause: str) -> None:
        self.clause = clause
        self.tokens = tokenize(text, clause)
        self.pos = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None, value: Any = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (value and token[1] != value):
            found = "end of expression" if token is None else repr(token[1])
            raise ODSQLError(f"unexpected {found}", self.clause)
        self.pos += 1
        return token

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token is not None and token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return True
        return False

    def expr(self) -> Node:
        items = [self.conj()]
        while self.accept("kw", "or"):
            items.append(self.conj())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def conj(self) -> Node:
        items = [self.unary()]
        while self.accept("kw", "and"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def unary(self) -> Node:
        if self.accept("kw", "not"):
            return Not(self.unary())
        if self.accept("op", "("):
            node = self.expr()
            self.take("op", ")")
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.take()
        if left[0] == "lit" and (
            self.peek() is None or self.peek() in (("kw", "and"), ("kw", "or"), ("op", ")"))
        ):
            if isinstance(left[1], str):
                return Search(left[1])
            if isinstance(left[1], bool):
                return Const(left[1])
        if left[0] == "ident" and self.accept("kw", "is"):
            negate = self.accept("kw", "not")
            self.take("kw", "null")
            return IsNull(left[1], negate)
        op = self.take("op")[1]
        if op not in _FLIP:
            raise ODSQLError(f"unexpected {op!r}", self.clause)
        right = self.take()
        if left[0] == "ident" and right[0] in ("lit", "kw"):
            return Compare(left[1], op, _literal(right, self.clause))
        if right[0] == "ident" and left[0] in ("lit", "kw"):
            return Compare(right[1], _FLIP[op], _literal(left, self.clause))
        raise ODSQLError("a comparison needs a field and a literal", self.clause)


def _literal(token: tuple[str, Any], clause: str) -> Literal:
    if token == ("kw", "null"):
        return None
    if token[0] != "lit":
        raise ODSQLError(f"unexpected {token[1]!r}", clause)
    value: Literal = token[1]
    return value


def parse_where(text: str) -> Node:
    parser = _Parser(text, "where")
    if parser.peek() is None:
        return Const(True)
    node = parser.expr()
    if parser.peek() is not None:
        raise ODSQLError(f"unexpected {parser.peek()[1]!r}", "where")  # type: ignore[index]
    return node


def fields_of(node: Node) -> set[str]:
    if isinstance(node, Compare | IsNull):
        return {node.field}
    if isinstance(node, BoolOp):
        return set().union(*(fields_of(item) for item in node.items))
    if isinstance(node, Not):
        return fields_of(node.item)
    return {"*"} if isinstance(node, Search) else set()


def relax(node: Node, field: str) -> Node:
    """A weaker condition that only reads ``field``: True wherever ``node`` might be."""
    if isinstance(node, Compare | IsNull):
        return node if node.field == field else Const(True)
    if isinstance(node, BoolOp):
        return BoolOp(node.op, tuple(relax(item, field) for item in node.items))
    if isinstance(node, Not):
        return node if fields_of(node) <= {field} else Const(True)
    return node if isinstance(node, Const) else Const(True)
