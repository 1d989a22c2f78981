"""The lake writer: folds what silver and gold received into the lake, in batches, once.

Silver's history is rebuilt from bronze, not read back from the hot store: a source's raw
payloads are listed in fetch order (their keys sort by fetch time) after the writer's cursor,
parsed again by the plugin (the same pure ``parse`` and validation as ingest, so the same
records and the same set-aside ones), and merged by record key into each dataset's table.
The hot store's TTL never limits the lake, and a backfill or a replay lands in it with no
second path. Gold is read from the gold store from a day before the cursor (a re-run window
replaces its point). A cursor (``lake#<source>`` in the state store) moves only after the
table commit; a crash in between makes the next flush merge the same rows again, which
changes nothing.

Payloads written to bronze behind the cursor (the spool draining after a storage outage, a
``replay``) call :func:`collector.lake.cursor.rewind`, so the next flush starts there.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from collector import keys
from collector.ingest import ParseFailure, build_batch
from collector.lake.catalog import table_name
from collector.lake.columns import GOLD_KEY, RECORD_KEY, gold_schema, record_schema, to_table
from collector.lake.cursor import GOLD_STATE, state_name
from collector.lake.tables import LakeSchemaError, TableSpec, ensure, merge
from collector.plugin import Aggregation, Source, dataset_name
from collector.replay import bronze_keys

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

    from collector.storage.base import Row, Store

log = structlog.get_logger("paris.lake")

GOLD_OVERLAP = timedelta(days=1)
"""Gold points are re-read this far behind the cursor: a re-run window replaces its point."""


def dataset_specs(source: Source) -> dict[str, TableSpec]:
    return {
        dataset_name(source.name, model): TableSpec(
            name=table_name(dataset_name(source.name, model)),
            schema=record_schema(model),
            time_column="observed_at",
            key=RECORD_KEY,
            description=f"{source.name}: {(model.__doc__ or '').strip().splitlines()[0]}"
            if model.__doc__
            else source.name,
        )
        for model in source.records
    }


def gold_spec(aggregation: Aggregation) -> TableSpec:
    return TableSpec(
        name=table_name(aggregation.name),
        schema=gold_schema(aggregation.output),
        time_column="window_end",
        key=GOLD_KEY,
        description=aggregation.description,
    )


@dataclass
class FlushReport:
    """What one flush folded into the lake."""

    payloads: int = 0
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Per table: rows merged (new or replaced)."""
    new: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Per table: keys the lake did not have."""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class LakeWriter:
    """Appends silver (from bronze) and gold into the lake's tables, one source at a time."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        namespace: str,
        *,
        max_payloads: int = 200,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.namespace = namespace
        self.max_payloads = max_payloads
        self.clock = clock

    async def flush_source(
        self,
        source: Source,
        *,
        settle: timedelta = timedelta(0),
        progress: Callable[[int], None] | None = None,
    ) -> FlushReport:
        """Fold every bronze payload of ``source`` after the cursor into its tables.

        Only payloads fetched ``settle`` ago or earlier: a bronze key carries its run's start
        time, and a run still in flight may write a key older than one already listed. With
        ``settle`` longer than a run may last, the cursor never passes a key not yet written.
        """
        report = FlushReport()
        name = state_name(source.name)
        state = dict(await self.store.get_state(name))
        specs = dataset_specs(source)
        written = [specs[d] for d in state.get("tables", []) if d in specs]
        if state.get("cursor") and not await asyncio.to_thread(self._all_exist, written):
            # A table was dropped (or the lake deleted to rebuild it): fold everything again.
            log.warning(
                "lake table missing: folding all of the source's bronze again", source=source.name
            )
            state = {}
        start = state.get("rewind") or state.get("cursor")
        since = keys.raw_key_time(str(start)) if start else None
        todo = await bronze_keys(self.store, source.name, since, self.clock() - settle)
        if state.get("rewind"):
            todo = [k for k in todo if k >= str(state["rewind"])]
        elif start:
            todo = [k for k in todo if k > str(start)]
        for chunk_start in range(0, len(todo), self.max_payloads):
            chunk = todo[chunk_start : chunk_start + self.max_payloads]
            rows = await self._parse(source, chunk, report)
            try:
                await asyncio.to_thread(self._merge_rows, specs, rows, report)
            except LakeSchemaError as exc:
                report.errors.append(str(exc))
                log.error("lake table schema changed", source=source.name, error=str(exc))
                return report
            state.pop("rewind", None)
            state["cursor"] = chunk[-1]
            state["tables"] = sorted({*state.get("tables", []), *(d for d in rows if rows[d])})
            state["flushed_at"] = keys.ts(self.clock())
            await self.store.put_state(name, state)
            report.payloads += len(chunk)
            if progress is not None:
                progress(len(chunk))
        if not todo and state.pop("rewind", None) is not None:
            await self.store.put_state(name, state)
        return report

    def _all_exist(self, specs: Iterable[TableSpec]) -> bool:
        return all(self.catalog.table_exists(f"{self.namespace}.{s.name}") for s in specs)

    async def _parse(
        self, source: Source, chunk: Sequence[str], report: FlushReport
    ) -> dict[str, list[Row]]:
        rows: dict[str, list[Row]] = defaultdict(list)
        now = self.clock()
        for key in chunk:
            raw = await self.store.get_raw(key)
            try:
                payload = gzip.decompress(raw.body)
                batch = await asyncio.to_thread(build_batch, source, payload, key, now)
            except (ParseFailure, OSError, EOFError) as exc:
                # Ingest set this payload aside too (dlq): the lake follows silver.
                log.info("lake skipped an unparsable payload", raw_key=key, error=str(exc))
                continue
            for dataset, found in batch.rows.items():
                rows[dataset].extend(found)
        return rows

    def _merge_rows(
        self, specs: Mapping[str, TableSpec], rows: Mapping[str, list[Row]], report: FlushReport
    ) -> None:
        for dataset, found in rows.items():
            spec = specs.get(dataset)
            if spec is None or not found:
                continue
            table = ensure(self.catalog, self.namespace, spec)
            items = [_row_item(row) for row in found]
            result = merge(table, to_table(items, table.schema().as_arrow()), spec)
            report.rows[spec.name] += len(found)
            report.new[spec.name] += result.new

    async def flush_gold(self, aggregations: Sequence[Aggregation]) -> FlushReport:
        """Fold the gold points written since the cursor (less a day) into their tables."""
        report = FlushReport()
        state = dict(await self.store.get_state(GOLD_STATE))
        cursors: dict[str, Any] = dict(state.get("cursors", {}))
        now = self.clock()
        for aggregation in aggregations:
            spec = gold_spec(aggregation)
            since = cursors.get(aggregation.name)
            if since and not await asyncio.to_thread(self._all_exist, [spec]):
                since = None  # its table was dropped: all of its gold again
            begin = (
                keys.ts(keys.parse_ts(since) - GOLD_OVERLAP) if since else "0000-01-01T00:00:00Z"
            )
            points = await self.store.read_gold(aggregation.name, begin, keys.ts(now))
            if not points:
                continue
            items = [
                {
                    **dict(p.data),
                    "window_start": p.window_start,
                    "window_end": p.window_end,
                    "ran_at": p.ran_at,
                }
                for p in points
            ]

            def write(spec: TableSpec = spec, items: list[dict[str, Any]] = items) -> int:
                table = ensure(self.catalog, self.namespace, spec)
                merge(table, to_table(items, table.schema().as_arrow()), spec)
                return len(items)

            try:
                report.rows[spec.name] += await asyncio.to_thread(write)
            except LakeSchemaError as exc:
                report.errors.append(str(exc))
                log.error("lake table schema changed", aggregation=aggregation.name, error=str(exc))
                continue
            cursors[aggregation.name] = max(p.window_end for p in points)
        state["cursors"] = cursors
        state["flushed_at"] = keys.ts(now)
        await self.store.put_state(GOLD_STATE, state)
        return report


def _row_item(row: Row) -> dict[str, Any]:
    item = dict(row.data)
    item["entity_id"] = row.entity_id
    item["observed_at"] = row.observed_at
    item["raw_key"] = row.raw_key
    return item
