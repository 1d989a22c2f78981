"""Discovery: built-ins, entry points of installed packages, and a drop-in plugin folder."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from collector.registry import PluginError, discover
from tests.core.conftest import PLUGIN_DIR

PLUGIN_CODE = textwrap.dedent(
    """
    from datetime import timedelta
    from collector.plugin import Record, Source

    class Thing(Record):
        pass

    async def fetch(ctx):
        return None

    def parse(payload):
        return []

    SOURCE = Source(name={name!r}, description="x", interval=timedelta(seconds=5),
                    records=(Thing,), fetch=fetch, parse=parse)
    """
)


def write_plugin(base: Path, folder: str, name: str | None = None) -> Path:
    path = base / "sources" / folder
    path.mkdir(parents=True)
    (path / "__init__.py").write_text(PLUGIN_CODE.format(name=name or folder))
    return path


def test_builtins_and_drop_in_folder() -> None:
    registry = discover(PLUGIN_DIR)
    assert {"traffic", "parking", "departures", "counter"} <= set(registry.sources)
    assert registry.sources["counter"].origin.startswith("plugin folder")
    assert registry.sources["traffic"].origin == "built-in sources.traffic"


def test_installed_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real installed distribution: a package and its dist-info with entry_points.txt.
    site = tmp_path / "site"
    package = site / "extra_paris_source"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN_CODE.format(name="bikeshare"))
    info = site / "extra_paris_source-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: extra-paris-source\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[paris_collector.sources]\nbikeshare = extra_paris_source\n"
    )
    monkeypatch.syspath_prepend(str(site))
    registry = discover()
    assert "bikeshare" in registry.sources
    assert "entry point bikeshare" in registry.sources["bikeshare"].origin
    sys.modules.pop("extra_paris_source", None)


def test_duplicate_name_stops_startup(tmp_path: Path) -> None:
    write_plugin(tmp_path, "traffic")
    with pytest.raises(PluginError, match="duplicate plugin name 'traffic'"):
        discover(tmp_path)


def test_name_must_be_the_folder_name(tmp_path: Path) -> None:
    write_plugin(tmp_path, "velib", name="bikes")
    with pytest.raises(PluginError, match="named 'bikes' but lives at 'velib'"):
        discover(tmp_path)


def test_invalid_plugin_stops_startup(tmp_path: Path) -> None:
    path = tmp_path / "sources" / "broken"
    path.mkdir(parents=True)
    (path / "__init__.py").write_text("SOURCE = 42\n")
    with pytest.raises(PluginError, match="SOURCE is a int, not a Source"):
        discover(tmp_path)
    other = tmp_path / "sources" / "broken_import"
    other.mkdir()
    (path / "__init__.py").unlink()
    (other / "__init__.py").write_text("import does_not_exist\n")
    with pytest.raises(PluginError, match="failed to import"):
        discover(tmp_path)


def test_missing_plugin_dir() -> None:
    with pytest.raises(PluginError, match="plugin directory not found"):
        discover(Path("/nonexistent/plugins"))
