"""Settings: environment, .env, TOML, precedence, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.plugin_settings import resolve
from collector.registry import discover
from collector.settings import SettingsError, load_settings
from tests.core.conftest import PLUGIN_DIR


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PARIS_STORAGE", "PARIS_CONFIG", "PARIS_SNCF_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    app = load_settings()
    assert app.storage == "local"
    assert app.data_dir == Path("data")
    assert app.opendata_url == "https://opendata.paris.fr"
    assert app.saemes_url == "https://opendata.saemes.fr"
    assert app.sncf_url == "https://api.sncf.com"
    assert app.sncf_token is None


def test_environment_with_nested_plugin_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARIS_STORAGE", "aws")
    monkeypatch.setenv("PARIS_S3_BUCKET", "bronze-bucket")
    monkeypatch.setenv("PARIS_AWS_ENDPOINT_URL", "http://127.0.0.1:5000/")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("PARIS_SNCF_TOKEN", "s3cr3t-token")
    monkeypatch.setenv("PARIS_SOURCES__COUNTER__INTERVAL", "3600")
    monkeypatch.setenv("PARIS_SOURCES__COUNTER__ENABLED", "false")
    app = load_settings()
    assert (app.storage, app.s3_bucket, app.aws_region) == ("aws", "bronze-bucket", "eu-west-1")
    assert app.aws_endpoint_url == "http://127.0.0.1:5000"
    assert app.sncf_token is not None and app.sncf_token.get_secret_value() == "s3cr3t-token"
    assert "s3cr3t" not in repr(app)
    plugins = resolve(discover(PLUGIN_DIR), app.model_copy(update={"plugin_dir": PLUGIN_DIR}))
    assert plugins.sources["counter"].interval == 3600
    assert "counter" in plugins.disabled and "ENABLED=false" in plugins.disabled["counter"]


def test_toml_file_and_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "paris.toml"
    config.write_text(
        'data_dir = "/srv/paris"\nopendata_url = "http://toml.example"\n'
        "[sources.counter]\ninterval = 60\n"
    )
    (tmp_path / ".env").write_text("PARIS_OPENDATA_URL=http://dotenv.example\n")
    app = load_settings(config)
    assert app.data_dir == Path("/srv/paris")
    assert app.opendata_url == "http://dotenv.example"  # .env beats the TOML file
    assert app.sources == {"counter": {"interval": 60}}
    monkeypatch.setenv("PARIS_OPENDATA_URL", "http://env.example")
    assert load_settings(config).opendata_url == "http://env.example"  # env beats .env
    monkeypatch.setenv("PARIS_CONFIG", str(config))
    assert load_settings().data_dir == Path("/srv/paris")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PARIS_STORAGE", "s3", "invalid setting PARIS_STORAGE: Input should be 'local' or 'aws'"),
        ("PARIS_OPENDATA_URL", "opendata.paris.fr", "invalid setting PARIS_OPENDATA_URL"),
        ("PARIS_HTTP_TIMEOUT", "-1", "invalid setting PARIS_HTTP_TIMEOUT"),
    ],
)
def test_bad_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_bad_plugin_setting_and_unknown_plugin_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = discover(PLUGIN_DIR)
    monkeypatch.setenv("PARIS_SOURCES__COUNTER__INTERVAL", "often")
    with pytest.raises(SettingsError, match="PARIS_SOURCES__COUNTER__INTERVAL"):
        resolve(registry, load_settings())
    monkeypatch.delenv("PARIS_SOURCES__COUNTER__INTERVAL")
    monkeypatch.setenv("PARIS_SOURCES__COUNTR__INTERVAL", "60")
    with pytest.raises(SettingsError, match="unknown sources: PARIS_SOURCES__COUNTR"):
        resolve(registry, load_settings())


def test_a_secret_never_appears_in_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARIS_SNCF_TOKEN", "abcd-secret")
    monkeypatch.setenv("PARIS_STORAGE", "nope")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "abcd-secret" not in str(info.value)


def test_missing_config_file() -> None:
    with pytest.raises(SettingsError, match="config file not found"):
        load_settings("/nonexistent/paris.toml")
