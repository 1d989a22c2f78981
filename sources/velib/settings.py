"""Settings of the Vélib' source (``[sources.velib]``, ``PARIS_SOURCES__VELIB__*``)."""

from __future__ import annotations

from pydantic import Field

from collector.plugin import SourceSettings

GBFS_URL = "https://velib-metropole-opendata.smovengo.cloud/opendata/Velib_Metropole/gbfs.json"


class VelibSettings(SourceSettings):
    gbfs_url: str = Field(
        default=GBFS_URL,
        pattern=r"^https?://",
        description="GBFS discovery file; the feeds it lists (or those beside it) are read",
    )
    information_refresh_hours: float = Field(
        default=6, gt=0, description="hours before station_information is fetched again"
    )
