"""Storage backends behind one interface; pick one with ``PARIS_STORAGE``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collector.storage.base import Reader, StorageError, Store

if TYPE_CHECKING:
    from collector.settings import Settings

__all__ = ["Reader", "StorageError", "Store", "make_reader", "make_store"]


def make_store(settings: Settings) -> Store:
    """The daemon's store for the configured backend (not yet opened).

    Wrapped so that no secret is stored or read back (:mod:`collector.storage.masking`).
    """
    from collector.secrets import register_settings
    from collector.storage.masking import MaskingStore

    register_settings(settings)
    if settings.storage == "aws":
        from collector.storage.aws import AwsStore

        return MaskingStore(AwsStore(settings))
    from collector.storage.local import LocalStore

    return MaskingStore(LocalStore(settings.data_dir))


def make_reader(settings: Settings) -> Reader:
    """A read-only view for the API and the dashboard; the states it serves are masked."""
    from collector.secrets import register_settings
    from collector.storage.masking import MaskingReader

    register_settings(settings)
    if settings.storage == "aws":
        from collector.storage.dynamo_reader import DynamoReader

        return MaskingReader(DynamoReader(settings))
    from collector.storage.local import LocalReader

    return MaskingReader(LocalReader(settings.data_dir))
