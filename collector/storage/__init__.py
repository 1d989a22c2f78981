"""Storage backends behind one interface; pick one with ``PARIS_STORAGE``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collector.storage.base import Reader, StorageError, Store

if TYPE_CHECKING:
    from collector.settings import Settings

__all__ = ["Reader", "StorageError", "Store", "make_reader", "make_store"]


def make_store(settings: Settings) -> Store:
    """The daemon's store for the configured backend (not yet opened)."""
    if settings.storage == "aws":
        from collector.storage.aws import AwsStore

        return AwsStore(settings)
    from collector.storage.local import LocalStore

    return LocalStore(settings.data_dir)


def make_reader(settings: Settings) -> Reader:
    """A read-only view for the API and the dashboard."""
    if settings.storage == "aws":
        from collector.storage.dynamo_reader import DynamoReader

        return DynamoReader(settings)
    from collector.storage.local import LocalReader

    return LocalReader(settings.data_dir)
