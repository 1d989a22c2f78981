"""``stations``: the departures source under another name, as deployed before a fix.

The fault suite runs it with ``PARIS_PLUGIN_DIR`` pointing at ``plugins/v1``; ``plugins/v2``
holds the same source with its parser fixed, for ``dlq replay``.
"""

from __future__ import annotations

from dataclasses import replace

from sources.departures import SOURCE as DEPARTURES

SOURCE = replace(DEPARTURES, name="stations", description="departures, parser v1")
