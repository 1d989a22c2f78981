"""``paris-collector test-plugins`` on plugins that live outside the repository: a drop-in
folder in a temporary ``PARIS_PLUGIN_DIR`` and an installed package's entry point, through
the real command line. Also: ``mypy --strict`` on a plugin, and the drop-in import rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.plugins.meter_plugin import EXPECTED, write_drop_in, write_source

NAMES = ("meter", "meter_total")
PLUGIN_FOLDERS = ("sources/meter", "aggregations/meter_total")


def cli(
    tmp_path: Path, *args: str, plugin_dir: Path | None = None, **env_extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PARIS_")}
    env.update(PARIS_DATA_DIR=str(tmp_path / "data"), PARIS_HEALTH_PORT="0", **env_extra)
    if plugin_dir is not None:
        env["PARIS_PLUGIN_DIR"] = str(plugin_dir)
    return subprocess.run(
        [sys.executable, "-m", "collector.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def failed(proc: subprocess.CompletedProcess[str], check: str, *needles: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"FAIL  {check}\n" in proc.stdout, proc.stdout
    for needle in needles:
        assert needle in proc.stdout, proc.stdout


@pytest.fixture
def plugins(tmp_path: Path) -> Path:
    return write_drop_in(tmp_path / "plugins")


def test_a_good_drop_in_passes(tmp_path: Path, plugins: Path) -> None:
    proc = cli(tmp_path, "test-plugins", *NAMES, plugin_dir=plugins)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"source meter (plugin folder {plugins / 'sources' / 'meter'})" in proc.stdout
    checks = ("readme", "sample_config", "modules", "settings", "records", "golden", "quality")
    for check in checks:
        assert f"ok    {check}\n" in proc.stdout
    assert "aggregation meter_total" in proc.stdout
    assert "ok    real_records" in proc.stdout
    assert proc.stdout.rstrip().endswith("2 plugins, 14 checks, 0 failed")


def test_a_wrong_expectation_fails_the_golden_check(tmp_path: Path, plugins: Path) -> None:
    expected = plugins / "sources/meter/testcases/basic/expected.json"
    wrong = orjson.loads(orjson.dumps(EXPECTED))
    wrong["records"][0]["record"]["value"] = 4
    expected.write_bytes(orjson.dumps(wrong))
    proc = cli(tmp_path, "test-plugins", "meter", plugin_dir=plugins)
    failed(proc, "golden", "testcases/basic: record 0 (a): value is 3, expected 4")
    assert proc.stdout.rstrip().endswith("1 failed: meter:golden")


def test_an_expected_json_that_is_not_json_fails_clearly(tmp_path: Path, plugins: Path) -> None:
    (plugins / "sources/meter/testcases/basic/expected.json").write_text('{"records": [')
    proc = cli(tmp_path, "test-plugins", "meter", plugin_dir=plugins)
    failed(proc, "golden", "testcases/basic: expected.json is not JSON")


def test_golden_update_rewrites_the_expectation(tmp_path: Path, plugins: Path) -> None:
    expected = plugins / "sources/meter/testcases/basic/expected.json"
    expected.write_text("{}")
    proc = cli(tmp_path, "test-plugins", "meter", plugin_dir=plugins, PARIS_GOLDEN_UPDATE="1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "expected.json rewritten" in proc.stdout
    assert orjson.loads(expected.read_bytes()) == EXPECTED


def test_a_missing_readme_heading_fails(tmp_path: Path, plugins: Path) -> None:
    readme = plugins / "aggregations/meter_total/README.md"
    readme.write_text(readme.read_text().replace("## Edge cases", "## Corner cases"))
    proc = cli(tmp_path, "test-plugins", *NAMES, plugin_dir=plugins)
    failed(proc, "readme", "'## Corner cases'", "'## Edge cases'")
    assert proc.stdout.rstrip().endswith("1 failed: meter_total:readme")


def test_a_too_long_module_fails(tmp_path: Path, plugins: Path) -> None:
    parse = plugins / "sources/meter/parse.py"
    parse.write_text(parse.read_text() + "\n" * (201 - len(parse.read_text().splitlines())))
    proc = cli(tmp_path, "test-plugins", "meter", plugin_dir=plugins)
    failed(proc, "modules", "parse.py: 201 lines, more than 200")


def test_a_setting_missing_from_the_sample_config_fails(tmp_path: Path, plugins: Path) -> None:
    sample = plugins / "sources/meter/sample.toml"
    sample.write_text(sample.read_text().replace('# url = "http://127.0.0.1:9/"\n', ""))
    proc = cli(tmp_path, "test-plugins", "meter", plugin_dir=plugins)
    failed(proc, "sample_config", "setting 'url' not listed")


def test_an_aggregation_without_a_note_when_empty_fails(tmp_path: Path, plugins: Path) -> None:
    compute = plugins / "aggregations/meter_total/compute.py"
    compute.write_text(compute.read_text().replace('note="no meter data yet"', "note=None"))
    proc = cli(tmp_path, "test-plugins", "meter_total", plugin_dir=plugins)
    failed(
        proc, "empty_inputs", "with no input dataset, the result has no note saying why it is empty"
    )


def test_an_unknown_name_is_bad_usage(tmp_path: Path, plugins: Path) -> None:
    proc = cli(tmp_path, "test-plugins", "meter", "metre", plugin_dir=plugins)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unknown plugin metre" in proc.stderr
    assert proc.stdout == ""


def test_an_entry_point_plugin_is_checked(tmp_path: Path) -> None:
    # An installed package, without touching the project's environment: a site directory
    # on PYTHONPATH with the package and its .dist-info, as pip or uv would lay it out.
    site = tmp_path / "site"
    write_source(site / "meterpkg")
    info = site / "meterpkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: meterpkg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[paris_collector.sources]\nmeter = meterpkg:SOURCE\n")
    proc = cli(tmp_path, "test-plugins", "meter", PYTHONPATH=str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "source meter (entry point meter = meterpkg:SOURCE" in proc.stdout
    assert "ok    golden" in proc.stdout
    (site / "meterpkg/testcases/basic/payload.json").write_text('[{"id": "a"}]')
    failed(cli(tmp_path, "test-plugins", "meter", PYTHONPATH=str(site)), "golden", "KeyError")


def test_an_absolute_import_in_a_drop_in_says_which_form_to_use(
    tmp_path: Path, plugins: Path
) -> None:
    init = plugins / "sources/meter/__init__.py"
    text = init.read_text()
    init.write_text(text.replace("from .parse import", "from sources.meter.parse import"))
    proc = cli(tmp_path, "plugins", plugin_dir=plugins)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in (
        "drop-in source 'meter'",
        "at __init__.py:",
        "No module named 'sources.meter'",
        "'from .parse import parse'",
    ):
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "line", ["from . import parse as _parse", "from .records import Reading as _Reading"]
)
def test_every_relative_import_form_works_in_a_drop_in(
    tmp_path: Path, plugins: Path, line: str
) -> None:
    init = plugins / "sources/meter/__init__.py"
    init.write_text(init.read_text() + f"\n{line}\n")
    proc = cli(tmp_path, "plugins", plugin_dir=plugins)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "plugin folder" in proc.stdout


def test_mypy_strict_passes_on_a_plugin(tmp_path: Path, plugins: Path) -> None:
    # collector ships py.typed: without it mypy skips collector.plugin ("missing library
    # stubs or py.typed marker") and every Record subclass is Any.
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *PLUGIN_FOLDERS],
        cwd=plugins,
        env={k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found in 8 source files" in proc.stdout


def test_the_command_passes_on_the_builtins_and_the_repository_drop_ins(tmp_path: Path) -> None:
    # What CI proves of the plugin-test command itself: every plugin the project ships.
    proc = cli(tmp_path, "test-plugins", plugin_dir=Path(__file__).parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for origin in ("source parking (built-in sources.parking)", "source counter (plugin folder"):
        assert origin in proc.stdout
    assert proc.stdout.rstrip().endswith(" 0 failed")
