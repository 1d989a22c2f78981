"""What the Opendatasoft emulation needs from a dataset: a schema and partitioned rows.

Rows are plain dicts shared between requests: never mutate them. Datetime fields hold aware
``datetime`` objects (rendered in the request's ``timezone``); ``date`` fields hold
``YYYY-MM-DD`` strings. A dataset may be partitioned on one field (the traffic hours): the
query engine then skips partitions a ``where`` rules out without generating their rows.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Row = Mapping[str, Any]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # text, int, double, date, datetime, geo_point_2d, geo_shape
    label: str
    description: str | None = None


class Dataset(ABC):
    id: str
    title: str
    publisher: str
    license: str = "Open Database License (ODbL)"
    theme: tuple[str, ...] = ("Mobilité et déplacements",)
    fields: tuple[FieldSpec, ...]
    partition_field: str | None = None

    @property
    def kinds(self) -> dict[str, str]:
        return {f.name: f.type for f in self.fields}

    @abstractmethod
    def partitions(self) -> Sequence[Hashable]:
        """Partition keys in dataset order (a single ``None`` when unpartitioned)."""

    @abstractmethod
    def rows(self, key: Hashable) -> Sequence[Row]:
        """The rows of one partition, in dataset order."""

    def size(self, key: Hashable) -> int:
        return len(self.rows(key))

    static_fields: frozenset[str] = frozenset()

    def templates(self, key: Hashable) -> Sequence[Row]:
        """Rows of a partition that are right for :attr:`static_fields` (same order as
        :meth:`rows`), cheaper to get than the rows: a where on static fields only is
        tested here first, and partitions with no match are never generated."""
        return self.rows(key)

    @abstractmethod
    def data_processed(self) -> datetime:
        """When the publisher last loaded data (``metas.default.data_processed``)."""

    def metadata(self) -> dict[str, Any]:
        """The ``GET /catalog/datasets/{id}`` answer (Explore v2.1 ``dataset`` shape)."""
        processed = self.data_processed().isoformat()
        count = sum(self.size(key) for key in self.partitions())
        return {
            "dataset_id": self.id,
            "dataset_uid": f"da_{zlib.crc32(self.id.encode()) & 0xFFFFFF:06x}",
            "attachments": [],
            "has_records": count > 0,
            "data_visible": True,
            "features": ["analyze", "geo"] + (["timeserie"] if self.partition_field else []),
            "metas": {"default": _default_metas(self, processed, count)},
            "fields": [
                {
                    "name": f.name,
                    "label": f.label,
                    "type": f.type,
                    "annotations": {},
                    "description": f.description,
                }
                for f in self.fields
            ],
        }


def _default_metas(dataset: Dataset, processed: str, count: int) -> dict[str, Any]:
    return {
        "records_count": count,
        "modified": processed,
        "source_domain_address": None,
        "references": None,
        "keyword": [],
        "title": dataset.title,
        "theme": list(dataset.theme),
        "modified_updates_on_data_change": True,
        "metadata_processed": processed,
        "data_processed": processed,
        "territory": ["Paris"],
        "publisher": dataset.publisher,
        "language": "fr",
        "license": dataset.license,
        "timezone": None,
        "description": f"<p>{dataset.title} (replay upstream, generated data)</p>",
    }
