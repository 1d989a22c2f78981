"""What every request needs: the settings, the plugins' facts (licence, interval) and a reader.

All of it is built lazily on first use and kept for the life of the process (a Lambda container
or ``api/serve.py``); :func:`configure` replaces it (the local server and the tests call it).
Readers are per thread: the local server answers on several threads and a SQLite connection
must not be shared between them.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from chalicelib.catalog import (
    MANIFEST_NAME,
    Catalog,
    ConfigError,
    build_catalog,
    discover_manifest,
    load_manifest,
)
from collector.settings import Settings, SettingsError, load_settings
from collector.storage import Reader, make_reader

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


class _Context:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.settings: Settings | None = None
        self.catalog: Catalog | None = None
        self.readers: list[Reader] = []
        self.local = threading.local()
        self.generation = 0
        self.reference: dict[str, tuple[float, list[dict[str, Any]]]] = {}


_ctx = _Context()


def configure(settings: Settings | None = None) -> None:
    """Forget the plugins, readers and caches; use ``settings`` (default: load them again)."""
    with _ctx.lock:
        for reader in _ctx.readers:
            reader.close()
        _ctx.readers.clear()
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


def catalog() -> Catalog:
    current = settings()
    with _ctx.lock:
        if _ctx.catalog is None:
            frozen = frozen_manifest()
            manifest = load_manifest(frozen) if frozen else discover_manifest(current)
            _ctx.catalog = build_catalog(manifest, current)
        return _ctx.catalog


def reader() -> Reader:
    """This thread's reader (opened lazily; a storage error surfaces on the first read)."""
    current = settings()
    local = _ctx.local
    if getattr(local, "generation", None) != _ctx.generation or local.reader is None:
        opened = make_reader(current)
        with _ctx.lock:
            _ctx.readers.append(opened)
        local.reader, local.generation = opened, _ctx.generation
    found: Reader = local.reader
    return found


def reference(dataset: str) -> list[dict[str, Any]]:
    """The latest view of a reference dataset, cached for :data:`REFERENCE_TTL_S`."""
    now = time.monotonic()
    cached = _ctx.reference.get(dataset)
    if cached is not None and cached[0] > now:
        return cached[1]
    items = reader().latest(dataset)
    _ctx.reference[dataset] = (now + REFERENCE_TTL_S, items)
    return items
