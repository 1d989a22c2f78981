"""What the API knows of the plugins: the read layer's catalogue (see :mod:`readlayer`).

Kept as a module of its own so the API's names stay where they were (``build_vendor`` and
the tests import them from here); the manifest and the catalogue themselves live in
:mod:`readlayer.manifest` and :mod:`readlayer.catalogue`.
"""

from __future__ import annotations

from readlayer.catalogue import AggregationInfo, Catalogue, DatasetInfo, SourceInfo
from readlayer.catalogue import build_catalogue as build_catalog
from readlayer.errors import ConfigError
from readlayer.manifest import (
    MANIFEST_NAME,
    REF_TEMPLATE,
    Schema,
    discover_manifest,
    json_schema,
    load_manifest,
    manifest_from_registry,
)

Catalog = Catalogue

__all__ = [
    "MANIFEST_NAME",
    "REF_TEMPLATE",
    "AggregationInfo",
    "Catalog",
    "Catalogue",
    "ConfigError",
    "DatasetInfo",
    "Schema",
    "SourceInfo",
    "build_catalog",
    "discover_manifest",
    "json_schema",
    "load_manifest",
    "manifest_from_registry",
]
