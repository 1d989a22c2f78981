"""The lake as the daemon and the one-shot commands use it: flush, maintain, register.

pyarrow and pyiceberg are imported on first use, not with the daemon: a daemon with the lake
switched off never loads them. The catalog is opened on first use too: a lake that cannot be
reached (Glue throttled, a disk full) fails that flush, logged, and the cursors stay where
they were for the next one; the collection never waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from collector.logs import get_logger
from collector.plugin import Aggregation, Source

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

    from collector.lake.maintenance import MaintenanceReport
    from collector.lake.tables import TableSpec
    from collector.lake.writer import FlushReport, LakeWriter
    from collector.settings import Settings
    from collector.storage.base import Store

log = get_logger(component="lake")


@dataclass
class LakeFlush:
    """One flush over several sources and the analytics."""

    reports: dict[str, FlushReport] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and all(r.ok for r in self.reports.values())

    def rows(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for report in self.reports.values():
            for table, count in report.rows.items():
                out[table] = out.get(table, 0) + count
        return out


class Lake:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.namespace = settings.lake.namespace
        self._catalog: Catalog | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.lake.enabled

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from collector.lake.catalog import open_catalog

            self._catalog = open_catalog(self.settings)
        return self._catalog

    def writer(self) -> LakeWriter:
        from collector.lake.writer import LakeWriter

        return LakeWriter(
            self.store,
            self.catalog(),
            self.namespace,
            max_payloads=self.settings.lake.max_payloads_per_commit,
        )

    async def flush(
        self,
        sources: Iterable[Source],
        aggregations: Iterable[Aggregation] = (),
        *,
        settle: Mapping[str, float] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> LakeFlush:
        """Fold what bronze and gold received since the cursors; never raises.

        ``settle``: per source, seconds a run of it may still be writing (the daemon's
        runners' deadlines); a one-shot command that has finished its runs passes none.
        """
        result = LakeFlush()
        try:
            writer = await asyncio.to_thread(self.writer)
        except Exception as exc:
            result.failures["catalog"] = f"{type(exc).__name__}: {exc}"
            log.error("lake unreachable", error=result.failures["catalog"])
            return result
        for source in sources:
            try:
                wait = timedelta(seconds=(settle or {}).get(source.name, 0.0))
                report = await writer.flush_source(source, settle=wait, progress=progress)
            except Exception as exc:
                result.failures[source.name] = f"{type(exc).__name__}: {exc}"
                log.error(
                    "lake flush failed", source=source.name, error=result.failures[source.name]
                )
                continue
            result.reports[source.name] = report
        wanted = list(aggregations)
        if wanted:
            try:
                result.reports["gold"] = await writer.flush_gold(wanted)
            except Exception as exc:
                result.failures["gold"] = f"{type(exc).__name__}: {exc}"
                log.error("lake flush failed", source="gold", error=result.failures["gold"])
        rows = result.rows()
        if rows or result.failures:
            log.info("lake flushed", rows=rows, failures=sorted(result.failures) or None)
        return result

    def register(self, sources: Iterable[Source], aggregations: Iterable[Aggregation]) -> list[str]:
        """Create every table (``init``): on AWS they appear in Glue for Athena at once."""
        from collector.lake.tables import ensure

        catalog = self.catalog()
        made = []
        for spec in _specs(sources, aggregations):
            ensure(catalog, self.namespace, spec)
            made.append(f"{self.namespace}.{spec.name}")
        return made

    def maintain(
        self, sources: Iterable[Source], aggregations: Iterable[Aggregation]
    ) -> dict[str, MaintenanceReport]:
        """Compaction, retention and snapshot expiry of every table that exists."""
        from pyiceberg.exceptions import NoSuchTableError

        from collector.lake.maintenance import maintain

        catalog = self.catalog()
        out = {}
        now = datetime.now(UTC)
        for spec in _specs(sources, aggregations):
            try:
                table = catalog.load_table(f"{self.namespace}.{spec.name}")
            except NoSuchTableError:
                continue
            out[spec.name] = maintain(
                table, spec, now=now, retention_days=self.settings.lake.retention_days
            )
        return out


def _specs(sources: Iterable[Source], aggregations: Iterable[Aggregation]) -> list[TableSpec]:
    from collector.lake.writer import dataset_specs, gold_spec

    specs = [spec for source in sources for spec in dataset_specs(source).values()]
    return specs + [gold_spec(aggregation) for aggregation in aggregations]
