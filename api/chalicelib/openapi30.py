"""The OpenAPI 3.1 document rewritten as 3.0, for the docs page.

Swagger UI 4 (the ``swagger-ui-bundle`` package's 4.15.5) reads only ``openapi: 3.0.n`` and
refuses a 3.1 document ("Unable to render this definition"). ``/openapi.json`` stays 3.1 (the
records' JSON schemas are 3.1's dialect, as pydantic writes them); the docs page loads this
rendition of it, which says the same in 3.0's words:

- ``type: [T, "null"]`` and ``anyOf``/``oneOf`` with ``{"type": "null"}`` -> ``nullable``;
- ``const`` -> a one-value ``enum``; ``examples`` (a list) -> ``example``;
- a number ``exclusiveMinimum``/``exclusiveMaximum`` -> ``minimum`` + ``true``;
- ``prefixItems`` (a tuple) -> ``items`` (their common schema, else any of them).
"""

from __future__ import annotations

from typing import Any

VERSION = "3.0.3"
_NULL = {"type": "null"}
_MAPS = {"properties", "patternProperties", "schemas", "paths", "responses", "headers",
         "content", "securitySchemes", "examples", "links", "callbacks", "encoding"}  # fmt: skip
"""Keys whose value maps names to objects: a field called ``const`` is not the keyword."""


def downgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """A 3.0 copy of a 3.1 document (the given one is left as it is)."""
    out = dict(convert(doc))
    out["openapi"] = VERSION
    return out


def convert(value: Any, *, names: bool = False) -> Any:
    if isinstance(value, list):
        return [convert(v) for v in value]
    if not isinstance(value, dict):
        return value
    if names:
        return {k: convert(v) for k, v in value.items()}
    node = {
        k: convert(v, names=k in _MAPS) for k, v in value.items() if k not in ("$schema", "$id")
    }
    _types(node)
    for key in ("anyOf", "oneOf"):
        _nullable_union(node, key)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        found = node.get(bound)
        if isinstance(found, int | float) and not isinstance(found, bool):
            node[limit] = found
            node[bound] = True
    if isinstance(node.get("prefixItems"), list):
        items = node.pop("prefixItems")
        distinct = [item for n, item in enumerate(items) if item not in items[:n]]
        node["items"] = distinct[0] if len(distinct) == 1 else {"anyOf": distinct}
    return node


def _types(node: dict[str, Any]) -> None:
    types = node.get("type")
    if isinstance(types, str) and types == "null":
        del node["type"]
        node["nullable"] = True
    if not isinstance(types, list):
        return
    kinds = [t for t in types if t != "null"]
    if len(kinds) < len(types):
        node["nullable"] = True
    if len(kinds) == 1:
        node["type"] = kinds[0]
    else:
        del node["type"]
        if kinds:
            node["anyOf"] = [{"type": t} for t in kinds]


def _nullable_union(node: dict[str, Any], key: str) -> None:
    options = node.get(key)
    if not isinstance(options, list) or (
        _NULL not in options and {"nullable": True} not in options
    ):
        return
    rest = [o for o in options if o != _NULL and o != {"nullable": True}]
    node["nullable"] = True
    if len(rest) != 1:
        node[key] = rest
        return
    del node[key]
    only = rest[0]
    if "$ref" in only:
        # 3.0 ignores the siblings of a $ref: the nullable wrapper holds it in allOf.
        node["allOf"] = [only]
    else:
        for name, schema in only.items():
            node.setdefault(name, schema)
