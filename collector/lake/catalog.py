"""Where the lake's tables are: an Iceberg catalog and a warehouse, one per backend.

Embedded default: a SQL catalog in ``<data_dir>/lake/catalog.sqlite3`` and the table files
under ``<data_dir>/lake/warehouse``. AWS: the Glue Data Catalog (database = the namespace),
files under ``s3://<bucket>/lake``, so Athena queries the very tables the daemon writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

    from collector.settings import Settings

CATALOG_NAME = "paris"


def table_name(dataset: str) -> str:
    """A dataset's or analytic's table: ``traffic.arcs`` is ``traffic_arcs``."""
    return dataset.replace(".", "_").replace("-", "_").lower()


def lake_dir(settings: Settings) -> Path:
    return settings.data_dir / "lake"


def warehouse(settings: Settings) -> str:
    if settings.lake.warehouse:
        return settings.lake.warehouse.rstrip("/")
    if settings.storage == "aws":
        return f"s3://{settings.s3_bucket}/lake"
    return (lake_dir(settings) / "warehouse").resolve().as_uri()


def open_catalog(settings: Settings, *, create: bool = True) -> Catalog:
    """The catalog of ``settings``; ``create=False`` refuses to make a local one."""
    if settings.storage == "aws":
        from pyiceberg.catalog.glue import GlueCatalog

        props = {
            "warehouse": warehouse(settings),
            "glue.region": settings.aws_region,
            "s3.region": settings.aws_region,
        }
        if settings.aws_endpoint_url:
            # moto, LocalStack: the same endpoint serves Glue and S3, path-style.
            props["glue.endpoint"] = settings.aws_endpoint_url
            props["s3.endpoint"] = settings.aws_endpoint_url
            props["s3.force-virtual-addressing"] = "false"
        return GlueCatalog(CATALOG_NAME, **props)
    from pyiceberg.catalog.sql import SqlCatalog

    folder = lake_dir(settings)
    path = folder / "catalog.sqlite3"
    if not create and not path.exists():
        raise FileNotFoundError(f"no lake at {folder}: nothing was written to it yet")
    folder.mkdir(parents=True, exist_ok=True)
    return SqlCatalog(
        CATALOG_NAME,
        uri=f"sqlite:///{path.resolve()}",
        warehouse=warehouse(settings),
    )
