"""What every request needs: the settings, the plugins' facts (licence, interval) and a reader.

All of it is built lazily on first use and kept for the life of the process (a Lambda container
or ``api/serve.py``); :func:`configure` replaces it (the local server and the tests call it).

A reader is lent to one thread at a time: a SQLite connection must not be shared between the
local server's threads. On Lambda the one thread keeps its reader for the container's life.
The local server starts a thread per connection, so it hands its reader back with
:func:`release` after each request. At most :data:`POOL_SIZE` readers are ever open; a request
that finds them all lent waits for one (the GIL lets no more than a few threads work at once
anyway), so open files and memory stay flat however many connections come and go. A reader
that a thread never hands back is closed with the thread (only a weak reference is kept here)
and its place freed.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from collector.settings import Settings, SettingsError, load_settings
from collector.storage import Reader, StorageError, make_reader
from readlayer import reads
from readlayer.catalogue import Catalogue, build_catalogue, discover_catalogue
from readlayer.errors import ConfigError
from readlayer.manifest import MANIFEST_NAME, Manifest, load_manifest, manifest_from_registry

log = logging.getLogger("paris.api")

API_KEY_ENV = "PARIS_API_KEY_REQUIRED"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
BUNDLED_MANIFEST = Path(__file__).resolve().parent.parent / MANIFEST_NAME
"""Present in the Lambda bundle (from ``api/vendor/``); absent locally, where plugins are found.
``PARIS_API_MANIFEST`` names another one."""


def frozen_manifest() -> Path | None:
    named = os.environ.get("PARIS_API_MANIFEST")
    if named:
        return Path(named)
    return BUNDLED_MANIFEST if BUNDLED_MANIFEST.is_file() else None


REFERENCE_TTL_S = 600.0
"""Reference datasets (e.g. the traffic arc geometry) change daily: read them every 10 min."""


def api_key_required() -> bool:
    """``PARIS_API_KEY_REQUIRED``: ask API Gateway for an ``x-api-key`` on every route.

    Read when the routes are declared (at import), so ``chalice deploy`` sees it through the
    stage's ``environment_variables``.
    """
    value = os.environ.get(API_KEY_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"invalid setting {API_KEY_ENV}: expected true or false (got {value!r})")


POOL_SIZE = 8
"""Readers open at most in this process (each holds two or three files of a SQLite store)."""
BORROW_TIMEOUT_S = 10.0
"""How long a request waits for a reader when all are lent, before it answers 503."""
_RECHECK_S = 0.1
"""A reader freed by a thread's end sends no signal: waiters look again this often."""


class _Context:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.returned = threading.Condition(self.lock)
        self.settings: Settings | None = None
        self.catalog: Catalogue | None = None
        self.idle: list[Reader] = []
        self.lent: weakref.WeakSet[Reader] = weakref.WeakSet()
        self.opening = 0
        self.local = threading.local()
        self.generation = 0
        self.reference: dict[str, tuple[float, list[dict[str, Any]]]] = {}


_ctx = _Context()


def configure(settings: Settings | None = None) -> None:
    """Forget the plugins, readers and caches; use ``settings`` (default: load them again)."""
    with _ctx.lock:
        for reader in [*_ctx.idle, *_ctx.lent]:
            reader.close()
        _ctx.idle.clear()
        _ctx.lent.clear()
        _ctx.settings = settings
        _ctx.catalog = None
        _ctx.reference.clear()
        _ctx.generation += 1


def configured() -> Settings | None:
    """The settings given to :func:`configure`, if any (None: loaded on first use)."""
    return _ctx.settings


def settings() -> Settings:
    with _ctx.lock:
        if _ctx.settings is None:
            try:
                _ctx.settings = load_settings()
            except SettingsError as exc:
                raise ConfigError(str(exc)) from None
        return _ctx.settings


def catalog() -> Catalogue:
    """The read layer's catalogue: from the frozen manifest on Lambda, else discovery."""
    current = settings()
    with _ctx.lock:
        if _ctx.catalog is None:
            frozen = frozen_manifest()
            if frozen:
                _ctx.catalog = build_catalogue(load_manifest(frozen), current)
            else:
                _ctx.catalog = discover_catalogue(current)[1]
        return _ctx.catalog


@functools.cache
def routed() -> Catalogue:
    """The catalogue the routes are declared from, with the plugins' defaults (once)."""
    return build_catalogue(route_manifest(), None)


def route_manifest() -> Manifest:
    """The plugins the routes are declared from, when the app is imported.

    Chalice needs every route at import, before any request and whatever the settings: a bad
    setting must still give each route its 500 ``misconfigured`` answer, not a 403. So the
    settings are read for the plugin folder only, and nothing is kept (:func:`catalog`
    applies them on the first request). If the drop-in folder cannot be loaded, the routes
    of the other plugins are declared (its requests then answer 500 and the log says why).
    """
    from collector.registry import PluginError, discover

    frozen = frozen_manifest()
    if frozen:
        try:
            return load_manifest(frozen)
        except ConfigError as exc:
            log.error("API misconfigured: %s", exc)
            return {"sources": {}, "aggregations": {}}
    try:
        plugin_dir = load_settings().plugin_dir
    except SettingsError as exc:
        log.error("API misconfigured: %s", exc)
        plugin_dir = None
    try:
        return manifest_from_registry(discover(plugin_dir))
    except PluginError as exc:
        log.error("API misconfigured: %s", exc)
    try:
        return manifest_from_registry(discover(None))
    except PluginError:
        return {"sources": {}, "aggregations": {}}


def reader() -> Reader:
    """This thread's reader, borrowed from the pool (opened lazily: a storage error surfaces on
    the first read). Raises :class:`StorageError` when none is free in time."""
    current = settings()
    local = _ctx.local
    found: Reader | None = getattr(local, "reader", None)
    if found is not None and local.generation == _ctx.generation:
        return found
    deadline = time.monotonic() + BORROW_TIMEOUT_S
    with _ctx.returned:
        while not _ctx.idle and len(_ctx.lent) + _ctx.opening >= POOL_SIZE:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StorageError(
                    f"all {POOL_SIZE} storage readers busy for {BORROW_TIMEOUT_S:g} s"
                )
            _ctx.returned.wait(min(left, _RECHECK_S))
        generation = _ctx.generation
        found = _ctx.idle.pop() if _ctx.idle else None
        if found is None:
            _ctx.opening += 1  # its place is taken while it opens, outside the lock
        else:
            _ctx.lent.add(found)
    if found is None:
        try:
            found = make_reader(current)  # a DynamoDB client takes a moment to build
        finally:
            with _ctx.returned:
                _ctx.opening -= 1
                if found is not None:
                    _ctx.lent.add(found)
                _ctx.returned.notify()
    local.reader, local.generation = found, generation
    return found


def release() -> None:
    """Hand this thread's reader back (the local server calls it after each request)."""
    local = _ctx.local
    found: Reader | None = getattr(local, "reader", None)
    if found is None:
        return
    local.reader = None
    with _ctx.returned:
        _ctx.lent.discard(found)
        current = local.generation == _ctx.generation
        if current:
            _ctx.idle.append(found)
        _ctx.returned.notify()
    if not current:  # configure() closed it already; closing again releases what it reopened
        found.close()


def open_readers() -> int:
    """Readers currently open: lent to a thread or idle in the pool."""
    with _ctx.lock:
        return len(_ctx.idle) + len(_ctx.lent) + _ctx.opening


def reference(dataset: str) -> list[dict[str, Any]]:
    """The latest view of a reference dataset, cached for :data:`REFERENCE_TTL_S`."""
    now = time.monotonic()
    cached = _ctx.reference.get(dataset)
    if cached is not None and cached[0] > now:
        return cached[1]
    items = reads.latest(reader(), dataset)
    _ctx.reference[dataset] = (now + REFERENCE_TTL_S, items)
    return items
