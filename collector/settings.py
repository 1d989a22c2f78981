"""Settings: environment (``PARIS_``, nested with ``__``), ``.env``, an optional TOML file.

Precedence, highest first: environment, ``.env``, the TOML file (``--config`` or
``PARIS_CONFIG``), defaults. Everything is validated at startup; :func:`load_settings` turns a
validation error into one message per bad setting, named as the operator would type it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class SettingsError(Exception):
    """Bad settings; the message names each bad setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARIS_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    toml_path: ClassVar[Path | None] = None

    # Storage
    storage: Literal["local", "aws"] = "local"
    data_dir: Path = Path("./data")
    s3_bucket: str | None = None
    table_prefix: str = "paris_"
    aws_endpoint_url: str | None = None
    aws_region: str = Field(
        default="eu-west-3",
        validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION", "PARIS_AWS_REGION"),
    )
    aws_max_attempts: int = Field(
        default=5, ge=1, le=20, description="attempts per S3/DynamoDB call, retries included"
    )

    # Upstreams
    opendata_url: str = "https://opendata.paris.fr"
    saemes_url: str = "https://opendata.saemes.fr"
    sncf_url: str = "https://api.sncf.com"
    sncf_token: SecretStr | None = None
    opendata_apikey: SecretStr | None = None
    contact: str = Field(
        default="https://github.com/paris-public-data/paris-collector",
        description="contact sent in the User-Agent so publishers can reach the operator",
    )
    http_timeout: float = Field(default=30.0, gt=0, description="seconds per HTTP request")
    http_retries: int = Field(default=3, ge=0, le=10)
    http_backoff: float = Field(
        default=1.0, ge=0, description="seconds: base of the full-jitter retry backoff"
    )

    # Plugins
    plugin_dir: Path | None = None
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    aggregations: dict[str, dict[str, Any]] = Field(default_factory=dict)

    # Daemon
    jitter: float = Field(default=0.1, ge=0, le=1, description="fraction of an interval")
    drain_timeout: float = Field(default=8.0, ge=0, description="seconds to finish on SIGTERM")
    breaker_threshold: int = Field(default=5, ge=1, description="failures that open it")
    breaker_cooldown: float = Field(default=300.0, gt=0, description="seconds open")
    spool_max_bytes: int = Field(default=512 * 1024 * 1024, ge=0)
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=9477, ge=0, le=65535, description="0 turns it off")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"

    @field_validator("opendata_url", "saemes_url", "sncf_url", "aws_endpoint_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("sources", "aggregations", mode="before")
    @classmethod
    def _lower_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k).lower(): v for k, v in value.items()}
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        chain = [init_settings, env_settings, dotenv_settings]
        if cls.toml_path is not None:
            chain.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_path))
        return tuple(chain)

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


def _setting_name(loc: tuple[int | str, ...]) -> str:
    return "PARIS_" + "__".join(str(part).upper() for part in loc)


def _describe(loc: tuple[int | str, ...], msg: str, value: Any) -> str:
    name = _setting_name(loc)
    secret = any(word in name for word in ("TOKEN", "KEY", "SECRET", "PASSWORD"))
    if secret or isinstance(value, dict):
        return f"invalid setting {name}: {msg}"
    return f"invalid setting {name}: {msg} (got {value!r})"


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Load and validate the settings, or raise :class:`SettingsError` naming each bad one."""
    path = config or os.environ.get("PARIS_CONFIG")
    toml_path = Path(path) if path else None
    if toml_path is not None and not toml_path.is_file():
        raise SettingsError(f"config file not found: {toml_path}")
    Settings.toml_path = toml_path
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(err["loc"], err["msg"], err["input"]) for err in exc.errors()]
        raise SettingsError("\n".join(lines)) from None
    except ValueError as exc:  # e.g. a TOML syntax error
        raise SettingsError(f"cannot read settings: {exc}") from None
