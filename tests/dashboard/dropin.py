"""A plugin directory as a new user writes one (``PARIS_PLUGIN_DIR``), and a store seeded for it.

- ``sources/bikes``: stations with coordinates (the generic page draws a map);
- ``sources/kiosks``: records with an arrondissement only (records per arrondissement);
- ``sources/tides``: ships its own ``page.py``, mounted instead of the generic page;
- ``aggregations/bikes_summary``: numeric fields (trends) and a per-zone list (a table).

The rows are built with the drop-in's own record models and written through the async
``Store``; the analytic's points come from ``AggregationRunner``, as the daemon makes them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collector import keys
from collector.aggregate import AggregationRunner
from collector.plugin import Record, dataset_name
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings
from collector.storage import make_store
from collector.storage.base import Row

STATIONS = 12
KIOSKS = 9
HOURS = 5
EXPIRES = 4_102_444_800  # 2100-01-01
TIDES_HEADING = "Tides, as their plugin draws them"

_SOURCE = '''
"""{name}: a drop-in source of the dashboard tests."""

from __future__ import annotations

from datetime import timedelta

from collector.plugin import Fetched, Record, Source


class {model}(Record):
{fields}


async def _fetch(ctx):  # never run: the tests write silver rows directly
    return Fetched(payload=b"[]")


def _parse(payload):
    return []


SOURCE = Source(
    name="{name}",
    description="{description}",
    interval=timedelta(minutes=5),
    records=({model},),
    fetch=_fetch,
    parse=_parse,
    licence="Licence Ouverte v2.0",
    attribution="{attribution}",
)
'''

_AGGREGATION = '''
"""bikes_summary: a drop-in analytic of the dashboard tests."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from collector.plugin import Aggregation


class Zone(BaseModel):
    zone: str
    stations: int
    bikes: int


class Summary(BaseModel):
    stations: int
    bikes: int
    share_empty: float | None
    zones: list[Zone]


def compute(inputs, window):
    rows = inputs.latest["bikes"]
    zones = {}
    for r in rows:
        zone = zones.setdefault(r["zone"], {"zone": r["zone"], "stations": 0, "bikes": 0})
        zone["stations"] += 1
        zone["bikes"] += r["bikes"]
    empty = sum(1 for r in rows if r["bikes"] == 0)
    return Summary(
        stations=len(rows),
        bikes=sum(r["bikes"] for r in rows),
        share_empty=empty / len(rows) if rows else None,
        zones=[Zone(**z) for z in zones.values()],
    )


AGGREGATION = Aggregation(
    name="bikes_summary",
    description="stations and bikes of the drop-in bike source",
    inputs=(),
    latest_inputs=("bikes",),
    interval=timedelta(minutes=5),
    window=timedelta(minutes=5),
    output=Summary,
    compute=compute,
)
'''

_PAGE = f'''
"""The tides source's own page (the dashboard mounts it instead of the generic page)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui

TITLE = "Tides of the Seine"


def render(ctx: data.Context) -> None:
    st.subheader("{TIDES_HEADING}")
    frame = data.latest(ctx, "tides")
    st.metric("Highest level", f"{{frame['level_m'].max():.2f}} m")
    ui.table(frame, "tides-own", caption="Seine levels. Source: " + ctx.catalogue.credit("tides"))
'''


def _source(path: Path, name: str, model: str, fields: str, description: str) -> None:
    folder = path / "sources" / name
    folder.mkdir(parents=True)
    text = _SOURCE.format(
        name=name,
        model=model,
        fields=textwrap.indent(textwrap.dedent(fields).strip(), "    "),
        description=description,
        attribution=f"Publisher of {name}",
    )
    (folder / "__init__.py").write_text(text.lstrip())


def write_plugins(path: Path) -> Path:
    """The drop-in folders under ``path`` (what ``PARIS_PLUGIN_DIR`` points at)."""
    _source(
        path,
        "bikes",
        "Station",
        """
        name: str
        lat: float | None
        lon: float | None
        zone: str
        bikes: int
        docks: int
        """,
        "bike stations with coordinates",
    )
    _source(
        path,
        "kiosks",
        "Kiosk",
        """
        arrondissement: int | None
        open: bool
        """,
        "newspaper kiosks by arrondissement",
    )
    _source(path, "tides", "Level", "level_m: float", "Seine levels")
    (path / "sources" / "tides" / "page.py").write_text(_PAGE.lstrip())
    folder = path / "aggregations" / "bikes_summary"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(_AGGREGATION.lstrip())
    return path


@dataclass(frozen=True)
class Dropped:
    now: datetime
    stations: int
    kiosks: int
    runs: int


def _rows(
    name: str, model: type[Record], items: list[dict[str, object]], at: datetime
) -> list[Row]:
    rows = []
    for item in items:
        record = model.model_validate({"observed_at": at, **item})
        rows.append(
            Row(
                dataset_name(name, model),
                record.entity_id,
                keys.ts(record.observed_at),
                record.model_dump(mode="json"),
                keys.raw_key(name, at),
            )
        )
    return rows


async def seed_plugins(settings: Settings) -> Dropped:
    """:data:`HOURS` snapshots of the drop-in sources, the analytic run after each."""
    clock = datetime.now(UTC).replace(second=0, microsecond=0)
    now = clock - timedelta(minutes=clock.minute % 5)
    registry = discover(settings.plugin_dir)
    plugins = resolve(registry, settings)
    station, kiosk, level = (registry.source(n).records[0] for n in ("bikes", "kiosks", "tides"))
    async with make_store(settings) as store:
        await store.init()
        runner = AggregationRunner(
            registry.aggregation("bikes_summary"), plugins.aggregations["bikes_summary"], store
        )
        for step in range(HOURS - 1, -1, -1):
            at = now - timedelta(hours=step)
            bikes = [
                {
                    "entity_id": f"s{i}",
                    "name": f"Station {i}",
                    "lat": 48.83 + 0.005 * i,
                    "lon": 2.30 + 0.008 * i,
                    "zone": "Paris 5e" if i % 2 else "Paris 14e",
                    "bikes": (i * 3 + step * 5) % 17,
                    "docks": 20 - (i * 3 + step * 5) % 17,
                }
                for i in range(STATIONS)
            ]
            await store.put_rows(
                _rows("bikes", station, bikes, at), history=True, expires_at=EXPIRES
            )
            result = await runner.run(at + timedelta(seconds=30))
            assert not result.failed, result.error
        kiosks = [
            {"entity_id": f"k{i}", "arrondissement": None if i == 0 else 1 + i % 3, "open": True}
            for i in range(KIOSKS)
        ]
        await store.put_rows(_rows("kiosks", kiosk, kiosks, now), history=True, expires_at=EXPIRES)
        tides = [
            {"entity_id": "austerlitz", "level_m": 2.41},
            {"entity_id": "bercy", "level_m": 2.9},
        ]
        await store.put_rows(_rows("tides", level, tides, now), history=True, expires_at=EXPIRES)
        for name, records in (("bikes", STATIONS), ("kiosks", KIOSKS), ("tides", 2)):
            await store.put_state(
                name,
                {
                    "last_run_at": keys.ts(clock),
                    "last_status": "ok",
                    "last_success_at": keys.ts(clock),
                    "consecutive_failures": 0,
                    "records_last_run": records,
                    "data_freshness": keys.ts(now),
                },
            )
    return Dropped(now=now, stations=STATIONS, kiosks=KIOSKS, runs=HOURS)
