"""A local stand-in for the real upstreams (opendata.paris.fr, opendata.saemes.fr, SNCF
Navitia, Vélib' GBFS), serving their real formats from seeded generated data, with a clock
and faults.

A test double and demo server, not product code: it lives outside the plugin namespaces
(``sources``, ``aggregations``) and outside the wheel, and the core never imports it.
"""

from __future__ import annotations

from replay_upstream.client import ReplayClient
from replay_upstream.server import ReplayUpstream
from replay_upstream.thread import ThreadedReplay, start_in_thread
from replay_upstream.world import Options

__all__ = ["Options", "ReplayClient", "ReplayUpstream", "ThreadedReplay", "start_in_thread"]
