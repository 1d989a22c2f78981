"""Settings that used to pass ``check`` and then crash, or be silently ignored: each is
refused at startup, naming the setting (and the closest valid one for a typo)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.plugin import MAX_RETENTION_DAYS
from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import SettingsError, check_can_write, load_settings
from tests.core.conftest import PLUGIN_DIR


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_SNCF_TOKEN", "PARIS_S3_BUCKET"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "name",
    [
        "PARIS_HTTP_TIMEOUT",
        "PARIS_HTTP_BACKOFF",
        "PARIS_DRAIN_TIMEOUT",
        "PARIS_BREAKER_COOLDOWN",
        "PARIS_JITTER",
    ],
)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e309"])
def test_inf_and_nan_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"invalid setting {name}:"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARIS_HTTP_TIMEOUT", "1e12"),
        ("PARIS_DRAIN_TIMEOUT", "1e12"),
        ("PARIS_BREAKER_COOLDOWN", "1e300"),
        ("PARIS_BREAKER_THRESHOLD", "10000000000000000000000"),
    ],
)
def test_values_past_any_use_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"invalid setting {name}: .*less than or equal"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARIS_SOURCES__COUNTER__INTERVAL", "inf"),
        ("PARIS_SOURCES__COUNTER__INTERVAL", "nan"),
        ("PARIS_SOURCES__COUNTER__DEADLINE", "inf"),
        ("PARIS_SOURCES__COUNTER__INTERVAL", "1e300"),
        ("PARIS_SOURCES__COUNTER__RETENTION_DAYS", str(10**9)),
        ("PARIS_SOURCES__COUNTER__RETENTION_DAYS", str(MAX_RETENTION_DAYS + 1)),
        ("PARIS_AGGREGATIONS__DEPARTURES_TOTAL__INTERVAL", "inf"),
        ("PARIS_AGGREGATIONS__DEPARTURES_TOTAL__WINDOW_HOURS", "nan"),
        ("PARIS_AGGREGATIONS__DEPARTURES_TOTAL__RETENTION_DAYS", str(10**9)),
        # A plugin's own float field inherits the refusal of inf/nan.
        ("PARIS_AGGREGATIONS__DEPARTURES_TOTAL__DELAY_THRESHOLD_MINUTES", "inf"),
        ("PARIS_SOURCES__TRAFFIC__EXPORT_TIMEOUT", "nan"),
    ],
)
def test_plugin_settings_that_would_overflow_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"invalid setting {name}:"):
        resolve(discover(PLUGIN_DIR), load_settings())


def test_the_largest_allowed_retention_still_makes_a_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARIS_SOURCES__COUNTER__RETENTION_DAYS", str(MAX_RETENTION_DAYS))
    plugins = resolve(discover(PLUGIN_DIR), load_settings())
    days = plugins.sources["counter"].retention_days
    assert (datetime.now(UTC) + timedelta(days=days)).year < 9999


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("PARIS_STORAG", "did you mean PARIS_STORAGE?"),
        ("paris_htp_timeout", "did you mean PARIS_HTTP_TIMEOUT?"),
        ("PARIS_SOURCE__COUNTER__INTERVAL", "did you mean PARIS_SOURCES__COUNTER__INTERVAL?"),
        ("PARIS_DATA_DIR__X", "did you mean PARIS_DATA_DIR?"),
        ("PARIS_SOURCES_COUNTER_INTERVAL", "plugin settings are PARIS_SOURCES__<NAME>__<FIELD>"),
    ],
)
def test_an_unknown_paris_variable_is_refused_with_the_closest_name(
    monkeypatch: pytest.MonkeyPatch, name: str, suggestion: str
) -> None:
    monkeypatch.setenv(name, "1")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert f"unknown setting {name} in the environment" in str(info.value)
    assert suggestion in str(info.value)


def test_variables_read_elsewhere_and_nested_forms_are_not_typos(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "PARIS_API_KEY_REQUIRED",
        "PARIS_API_MANIFEST",
        "PARIS_DASHBOARD_TILES",
        "PARIS_GOLDEN_UPDATE",
    ):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("PARIS_AWS_REGION", "eu-west-1")
    monkeypatch.setenv("PARIS_SOURCES__COUNTER__INTERVAL", "60")
    monkeypatch.setenv("PARIS_AGGREGATIONS__DEPARTURES_TOTAL__INTERVAL", "600")
    monkeypatch.setenv("PARIS_JITTER", "0.2")
    app = load_settings()
    assert app.jitter == 0.2
    plugins = resolve(discover(PLUGIN_DIR), app)
    assert plugins.sources["counter"].interval == 60
    assert plugins.aggregations["departures_total"].interval == 600


def test_an_unknown_top_level_toml_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment outranks the file: a region set by the AWS tests must not hide it.
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "PARIS_AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "paris.toml"
    config.write_text('storag = "aws"\njitter = 0.2\n[sources.counter]\ninterval = 60\n')
    with pytest.raises(SettingsError, match=r"'storag' in .*; did you mean 'storage'"):
        load_settings(config)
    config.write_text('jitter = 0.2\nAWS_REGION = "eu-west-1"\n')  # an alias is a setting
    assert load_settings(config).aws_region == "eu-west-1"


def test_a_misspelled_plugin_field_or_plugin_gets_the_closest_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = discover(PLUGIN_DIR)
    monkeypatch.setenv("PARIS_SOURCES__COUNTER__INTERVALL", "60")
    with pytest.raises(SettingsError, match="did you mean PARIS_SOURCES__COUNTER__INTERVAL"):
        resolve(registry, load_settings())
    monkeypatch.delenv("PARIS_SOURCES__COUNTER__INTERVALL")
    monkeypatch.setenv("PARIS_SOURCES__COUNTR__INTERVAL", "60")
    with pytest.raises(SettingsError, match=r"COUNTR \(did you mean PARIS_SOURCES__COUNTER\?\)"):
        resolve(registry, load_settings())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"x = [\n", "is not valid TOML"),
        (b"jitter = 0.1\n\xff\xfe = 1\n", r"is not UTF-8 text \(line 2\)"),
    ],
)
def test_an_unreadable_toml_file_is_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    config = tmp_path / "paris.toml"
    config.write_bytes(content)
    with pytest.raises(SettingsError, match=message):
        load_settings(config)


def test_a_toml_path_that_is_a_directory_or_under_a_file(tmp_path: Path) -> None:
    root = tmp_path
    (root / "conf.d").mkdir()
    with pytest.raises(SettingsError, match="is a directory, not a file"):
        load_settings(root / "conf.d")
    (root / "plain").write_text("")
    with pytest.raises(SettingsError, match=r"cannot read config file .*plain/x\.toml"):
        load_settings(root / "plain" / "x.toml")  # an OSError other than not found


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'PARIS_JITTER=0.2\nPARIS_SNCF_TOKEN="s3cr3t\nmore\n', r"\.env: cannot parse line 2"),
        (b"PARIS_JITTER=0.2\nPARIS_SNCF_TOKEN=s3cr3t\xff\n", r"\.env is not UTF-8 text \(line 2\)"),
        (b"PARIS_STORAG=aws\n", r"PARIS_STORAG in \.env line 1; did you mean PARIS_STORAGE\?"),
    ],
)
def test_an_unreadable_dotenv_is_a_clear_error_without_its_content(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / ".env").write_bytes(content)
    with pytest.raises(SettingsError, match=message) as info:
        load_settings()
    assert "s3cr3t" not in str(info.value)


def test_a_dotenv_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    with pytest.raises(SettingsError, match=r"\.env is a directory"):
        load_settings()


def test_aws_without_a_bucket_is_refused_for_writers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARIS_STORAGE", "aws")
    app = load_settings()  # the API reads DynamoDB only: no bucket needed to load
    with pytest.raises(SettingsError, match="invalid setting PARIS_S3_BUCKET"):
        check_can_write(app)
    monkeypatch.setenv("PARIS_S3_BUCKET", "bronze")
    check_can_write(load_settings())
