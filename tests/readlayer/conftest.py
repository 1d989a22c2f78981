"""The read layer on both backends: the storage suite's fixtures (SQLite, and DynamoDB on the
session's moto server), so both suites run on exactly the same stores."""

from __future__ import annotations

from tests.storage.conftest import reader, settings, store

__all__ = ["reader", "settings", "store"]
