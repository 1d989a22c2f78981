"""A completeness ledger for a copy of the dashboard's seeded store (see
:mod:`tests.readlayer.completeness_seed`): every seeded source's slots, and a reporting rate
for each seeded traffic arc, so the completeness page draws real arcs."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collector.registry import discover
from collector.settings import Settings
from collector.storage import make_store
from readlayer.catalogue import build_catalogue
from readlayer.manifest import manifest_from_registry
from tests.readlayer.completeness_seed import SeededLedger, seed_ledger

SOURCES = ("departures", "parking", "traffic")


async def seed_dashboard_ledger(settings: Settings) -> SeededLedger:
    catalogue = build_catalogue(manifest_from_registry(discover()), settings)
    now = datetime.now(UTC)
    async with make_store(settings) as store:
        arcs = [str(a["entity_id"]) for a in await store.read_latest("traffic.arcs")]
        return await seed_ledger(
            store,
            catalogue,
            now,
            sources=SOURCES,
            recent=True,
            before=timedelta(days=3),
            down=(now - timedelta(hours=27), now - timedelta(hours=25)),  # a stopped daemon
            entity_ids={"traffic": arcs},
        )


def copy_store(seeded_dir: Path, into: Path) -> Path:
    shutil.copytree(seeded_dir, into, ignore=shutil.ignore_patterns("lake"))
    return into
