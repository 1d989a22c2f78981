"""The GBFS fields the Vélib' parser reads, in both spellings, and its thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Older than this before the feed's own time, a station's report is flagged stale (kept:
# it is still what the station last said).
STALE = timedelta(hours=1)
# A report this far past the feed's own time is a station clock gone wrong.
AHEAD = timedelta(minutes=5)
# Vélib' Métropole opened in 2018: an earlier report (often 0, i.e. 1970) is no time at all.
SINCE = datetime(2018, 1, 1, tzinfo=UTC)
# GBFS spells these snake_case; Vélib' also publishes camelCase twins. First found wins.
BIKES = ("num_bikes_available", "numBikesAvailable")
DOCKS = ("num_docks_available", "numDocksAvailable")
FEED_TIME = ("last_updated", "lastUpdatedOther")
# fmt: off
KNOWN_STATUS = frozenset({
    "station_id", "stationCode", "num_bikes_available", "numBikesAvailable",
    "num_bikes_available_types", "num_docks_available", "numDocksAvailable", "is_installed",
    "is_renting", "is_returning", "last_reported",
})
KNOWN_INFORMATION = frozenset({
    "station_id", "stationCode", "name", "lat", "lon", "capacity", "rental_methods",
})
# fmt: on
