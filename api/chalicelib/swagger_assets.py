"""The Swagger UI files the docs page needs, from the ``swagger-ui-bundle`` package (no CDN).

Only these are served, and ``build_vendor`` copies only these into the Lambda bundle (the
package also holds source maps and other builds, ~8 MB the page never loads). The page uses
Swagger UI's base layout, so the standalone preset (its top bar, a field to explore any URL)
is not needed either.
"""

from __future__ import annotations

import functools
import importlib
from importlib.resources.abc import Traversable
from pathlib import PurePath
from typing import cast

PACKAGE = "swagger_ui_bundle"
ASSETS: dict[str, str] = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
"""File name: its ``Content-Type``."""


@functools.cache
def folder() -> Traversable:
    # The package has no type hints: its one public name, the assets' folder, typed here.
    module = importlib.import_module(PACKAGE)
    return cast(Traversable, module.swagger_ui_path)


def version() -> str:
    """Swagger UI's version (``swagger-ui-4.15.5`` -> ``4.15.5``)."""
    return folder().name.rsplit("-", 1)[-1]


@functools.cache
def read(name: str) -> bytes:
    """An asset's bytes, read once per process."""
    if name not in ASSETS:
        raise KeyError(name)
    return folder().joinpath(name).read_bytes()


def vendored(path: PurePath) -> bool:
    """Whether ``build_vendor`` copies this file of the distribution (a path of its RECORD):
    its code and metadata, and of the assets only those above."""
    parts = path.parts
    if len(parts) < 2 or parts[0] != PACKAGE or parts[1] != "vendor":
        return True
    return path.name in ASSETS
