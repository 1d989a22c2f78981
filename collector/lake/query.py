"""SQL over the lake with DuckDB: each table a view named after its dataset or analytic.

A view reads the Parquet data files of the table's current snapshot (the lake writes no
delete files: a merge rewrites whole days), so DuckDB scans only the columns and row groups
a query needs. Local files are read by DuckDB itself; S3 files through a pyarrow dataset, so
no DuckDB extension has to be downloaded at run time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import duckdb
import orjson

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

FORMATS = ("table", "csv", "json")


class LakeQueryError(Exception):
    """The query could not run (bad SQL, unknown table): DuckDB's message, as it is."""


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def _local_path(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return unquote(parsed.path)
    return None


def _register(con: duckdb.DuckDBPyConnection, name: str, table: Table) -> None:
    files = [task.file.file_path for task in table.scan().plan_files()]
    local = [_local_path(f) for f in files]
    if not files:
        con.register(name, table.schema().as_arrow().empty_table())
        return
    if all(path is not None for path in local):
        paths = ", ".join("'" + str(p).replace("'", "''") + "'" for p in local)
        con.execute(
            f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{paths}], union_by_name = true)'
        )
        return
    import pyarrow.dataset as ds
    from pyiceberg.io.pyarrow import PyArrowFileIO

    io_ = table.io
    fs_io = io_ if isinstance(io_, PyArrowFileIO) else PyArrowFileIO(properties=io_.properties)
    scheme = urlparse(files[0]).scheme
    filesystem = fs_io.fs_by_scheme(scheme, urlparse(files[0]).netloc)
    stripped = [f.split("://", 1)[1] for f in files]
    dataset = ds.dataset(stripped, filesystem=filesystem, format="parquet")
    con.register(name, dataset)


def connect(catalog: Catalog, namespace: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per lake table of ``namespace``."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        identifiers = catalog.list_tables(namespace)
    except Exception:
        identifiers = []
    for identifier in identifiers:
        _register(con, identifier[-1], catalog.load_table(identifier))
    return con


def run(catalog: Catalog, namespace: str, sql: str) -> Result:
    con = connect(catalog, namespace)
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return Result(columns, cursor.fetchall())
    except duckdb.Error as exc:
        raise LakeQueryError(str(exc).strip()) from None
    finally:
        con.close()


def tables(catalog: Catalog, namespace: str) -> list[str]:
    try:
        return sorted(identifier[-1] for identifier in catalog.list_tables(namespace))
    except Exception:
        return []


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def render(result: Result, fmt: str) -> str:
    """``result`` as an aligned table, CSV, or a JSON array of objects."""
    rows = [tuple(_plain(v) for v in row) for row in result.rows]
    if fmt == "json":
        docs = [dict(zip(result.columns, row, strict=True)) for row in rows]
        return orjson.dumps(docs, option=orjson.OPT_INDENT_2, default=str).decode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    return _aligned(result.columns, rows)


def _aligned(columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> str:
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    return "\n".join([line.rstrip(), rule, *(b.rstrip() for b in body), footer])
