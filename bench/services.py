"""The daemon's own objects (:class:`collector.daemon.Services`) on benchmark settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from collector.daemon import Services
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import Settings


@asynccontextmanager
async def services(settings: Settings) -> AsyncIterator[Services]:
    """Storage opened and initialised, one runner per enabled source, as the daemon holds."""
    registry = discover(settings.plugin_dir)
    async with Services(settings, registry, resolve(registry, settings)) as held:
        await held.open_store()
        await held.store.init()
        yield held


def source_options(*, stop_areas: int = 1) -> dict[str, dict[str, Any]]:
    """Traffic starts with the newest hour only; departures ask for few stations."""
    from bench.common import GARE_DE_LYON

    areas = [GARE_DE_LYON, "stop_area:SNCF:87271007", "stop_area:SNCF:87384008"][:stop_areas]
    return {"traffic": {"backfill_hours": 1}, "departures": {"stop_areas": areas}}
