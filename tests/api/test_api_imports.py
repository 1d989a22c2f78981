"""What ``import app`` loads (a Lambda cold start), in a fresh interpreter with ``sys.path`` =
api/ as on Lambda.

With the frozen manifest the Lambda bundle carries, the app imports no plugin and none of what
plugins need (aiohttp, shapely, numpy: the bundle has none of them); with or without it, never
the lake's libraries (DuckDB, pyarrow, pyiceberg) nor the dashboard's (streamlit, plotly,
pandas), which would cost the cold start seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collector.registry import discover
from readlayer.manifest import manifest_from_registry, write_manifest

API_DIR = Path(__file__).resolve().parents[2] / "api"
NEVER = ("duckdb", "pyarrow", "pyiceberg", "streamlit", "plotly", "pandas")
NOT_IN_THE_BUNDLE = ("sources", "aggregations", "aiohttp", "shapely", "numpy")


def imported(manifest: Path | None) -> set[str]:
    """The top-level packages loaded by ``import app``."""
    code = (
        f"import sys, json; sys.path.insert(0, {str(API_DIR)!r}); import app; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARIS_")}
    if manifest is not None:
        env["PARIS_API_MANIFEST"] = str(manifest)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=API_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("manifest") / "paris_api_manifest.json"
    write_manifest(manifest_from_registry(discover(None)), path)
    return path


def test_the_cold_start_imports_no_plugin_lake_or_dashboard_library(frozen: Path) -> None:
    found = imported(frozen)
    assert {"chalice", "chalicelib", "readlayer"} <= found
    assert found.isdisjoint(NEVER + NOT_IN_THE_BUNDLE), found & set(NEVER + NOT_IN_THE_BUNDLE)


def test_the_local_app_imports_its_plugins_but_no_lake_or_dashboard_library() -> None:
    found = imported(None)
    assert {"sources", "aggregations"} <= found  # discovered: their routes are declared
    assert found.isdisjoint(NEVER), found & set(NEVER)
