"""A local stand-in for the real upstreams (opendata.paris.fr, opendata.saemes.fr, SNCF
Navitia, Vélib' GBFS), serving their real formats from seeded generated data, with a clock
and faults.

The leading underscore keeps this package out of source plugin discovery.
"""

from __future__ import annotations

from sources._upstream.client import ReplayClient
from sources._upstream.server import ReplayUpstream
from sources._upstream.thread import ThreadedReplay, start_in_thread
from sources._upstream.world import Options

__all__ = ["Options", "ReplayClient", "ReplayUpstream", "ThreadedReplay", "start_in_thread"]
