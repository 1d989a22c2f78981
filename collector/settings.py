"""Settings: environment (``PARIS_``, nested with ``__``), ``.env``, an optional TOML file.

Precedence, highest first: environment, ``.env``, the TOML file (``--config`` or
``PARIS_CONFIG``), defaults. Everything is validated at startup; :func:`load_settings` turns a
validation error into one message per bad setting, named as the operator would type it.

An unreadable TOML or ``.env`` file, or a name that is no setting (``storag = "local"``,
``PARIS_STORAG=aws``), is refused with the closest valid name: a typo silently ignored would
leave the default in force.
"""

from __future__ import annotations

import difflib
import io
import os
import socket
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

from dotenv.parser import parse_stream
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PREFIX = "PARIS_"
NESTED = ("SOURCES", "AGGREGATIONS", "LAKE")
"""The settings set by parts (``PARIS_SOURCES__<NAME>__<FIELD>``, checked per plugin;
``PARIS_LAKE__<FIELD>``, checked by :class:`LakeSettings`)."""
OTHER_VARIABLES = frozenset(
    {"CONFIG", "API_KEY_REQUIRED", "API_MANIFEST", "DASHBOARD_TILES", "GOLDEN_UPDATE"}
)
"""``PARIS_*`` variables read outside these settings (the config path, the API, the
dashboard, the golden tests): not typos."""


class SettingsError(Exception):
    """Bad settings; the message names each bad setting."""


class LakeSettings(BaseModel):
    """The lake (``PARIS_LAKE__<FIELD>``): every dataset's and analytic's history as Iceberg
    tables, appended in batches from bronze and gold (docs/lake.md)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    enabled: bool = True
    interval: float = Field(
        default=3600.0, ge=60, le=7 * 86_400, description="seconds between two lake writes"
    )
    retention_days: int | None = Field(
        default=None, ge=1, le=36_500, description="days of history kept (none: everything)"
    )
    namespace: str = Field(
        default="paris",
        pattern=r"^[a-z][a-z0-9_]{0,99}$",
        description="Iceberg namespace, the Glue database on AWS",
    )
    warehouse: str | None = Field(
        default=None,
        description="where the table files go (default: <data_dir>/lake, or s3://<bucket>/lake)",
    )
    max_payloads_per_commit: int = Field(
        default=200, ge=1, le=100_000, description="raw payloads folded into one table commit"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARIS_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        # Unknown names are refused by load_settings, with a suggestion, before this model.
        extra="ignore",
        validate_default=True,
        # inf/nan (and the upper bounds below) would pass here, then overflow a timer.
        allow_inf_nan=False,
    )

    toml_data: ClassVar[dict[str, Any] | None] = None

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
    http_timeout: float = Field(default=30.0, gt=0, le=3600, description="seconds per HTTP request")
    http_retries: int = Field(default=3, ge=0, le=10)
    http_backoff: float = Field(
        default=1.0, ge=0, le=3600, description="seconds: base of the full-jitter retry backoff"
    )

    # Plugins
    plugin_dir: Path | None = None
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    aggregations: dict[str, dict[str, Any]] = Field(default_factory=dict)

    # Lake
    lake: LakeSettings = Field(default_factory=LakeSettings)

    # Daemon
    jitter: float = Field(default=0.1, ge=0, le=1, description="fraction of an interval")
    drain_timeout: float = Field(
        default=8.0, ge=0, le=3600, description="seconds to finish on SIGTERM"
    )
    lease_duration: float = Field(
        default=60.0, ge=1, le=3600, description="seconds a daemon holds a job without renewing"
    )
    daemon_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}",
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00-\x1f]+$",
        description="this daemon's name in the leases; unique per running daemon",
    )
    breaker_threshold: int = Field(default=5, ge=1, le=1000, description="failures that open it")
    breaker_cooldown: float = Field(default=300.0, gt=0, le=7 * 86_400, description="seconds open")
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
        if cls.toml_data is not None:
            # Read and checked by load_settings, so that a bad file is a clear message.
            chain.append(InitSettingsSource(settings_cls, init_kwargs=cls.toml_data))
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
    toml_data = read_toml(Path(path)) if path else None
    problems = unknown_toml_keys(toml_data or {}, str(path))
    env_file = overrides.get("_env_file", Settings.model_config.get("env_file"))
    if isinstance(env_file, str | Path):
        problems += unknown_variables(read_dotenv(Path(env_file)))
    problems += unknown_variables((name, "in the environment") for name in os.environ)
    if problems:
        raise SettingsError("\n".join(problems))
    Settings.toml_data = toml_data
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(err["loc"], err["msg"], err["input"]) for err in exc.errors()]
        raise SettingsError("\n".join(lines)) from None
    except ValueError as exc:  # e.g. PARIS_SOURCES that is not JSON
        raise SettingsError(f"cannot read settings: {exc}") from None
    finally:
        Settings.toml_data = None


def check_can_write(app: Settings) -> None:
    """What the commands that write need beyond a reader: the bronze bucket on aws.

    Not a rule of the model, since the API (a reader of DynamoDB only) runs without one.
    """
    if app.storage == "aws" and not app.s3_bucket:
        raise SettingsError(
            "invalid setting PARIS_S3_BUCKET: required with PARIS_STORAGE=aws"
            " (the bucket raw payloads are written to)"
        )


def _read_text(path: Path, what: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise SettingsError(f"{what} {path} is a directory, not a file") from None
    except OSError as exc:
        raise SettingsError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SettingsError(f"{what} {path} is not UTF-8 text (line {line})") from None


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML settings file, or a :class:`SettingsError` saying why it cannot be read."""
    text = _read_text(path, "config file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message gives line and column, not content
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None


def read_dotenv(path: Path) -> list[tuple[str, str]]:
    """The names a ``.env`` file sets, each with where (``in .env line 3``); none if absent.

    A line python-dotenv cannot parse would be skipped with a warning: refused here instead,
    by line number only, since its text may hold a secret.
    """
    if not path.exists() and not path.is_symlink():
        return []
    text = _read_text(path, "settings file")
    names: list[tuple[str, str]] = []
    bad: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            bad.append(str(binding.original.line))
        elif binding.key:
            names.append((binding.key, f"in {path} line {binding.original.line}"))
    if bad:
        raise SettingsError(f"settings file {path}: cannot parse line {', '.join(bad)}")
    return names


def _variable_names() -> set[str]:
    """Every ``PARIS_*`` name a setting answers to, without the prefix."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            choices = [str(c).upper() for c in alias.choices if isinstance(c, str)]
            names.update(c.removeprefix(PREFIX) for c in choices if c.startswith(PREFIX))
        else:
            names.add(name.upper())
    return names


def unknown_variables(found: Iterable[tuple[str, str]]) -> list[str]:
    """One message per ``PARIS_*`` name that is no setting, with the closest one."""
    known = _variable_names()
    problems = []
    for name, where in found:
        upper = name.upper()
        if not upper.startswith(PREFIX):
            continue
        rest = upper.removeprefix(PREFIX)
        head, _, tail = rest.partition("__")
        if head in NESTED or rest in known or rest in OTHER_VARIABLES:
            continue
        hint = ""
        nested = [n for n in NESTED if head.startswith(n + "_")]
        match = difflib.get_close_matches(head, sorted(known | OTHER_VARIABLES), n=1)
        if nested:
            hint = f"; plugin settings are {PREFIX}{nested[0]}__<NAME>__<FIELD>"
        elif match:
            guess = match[0] + (f"__{tail}" if tail and match[0] in NESTED else "")
            hint = f"; did you mean {PREFIX}{guess}?"
        problems.append(f"unknown setting {name} {where}{hint}")
    return problems


def unknown_toml_keys(data: dict[str, Any], path: str) -> list[str]:
    """One message per top-level key of the TOML file that is no setting."""
    known = {name.lower() for name in Settings.model_fields}
    for field in Settings.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            known.update(str(c).lower() for c in field.validation_alias.choices)
    problems = []
    for key in data:
        if key.lower() in known:
            continue
        match = difflib.get_close_matches(key.lower(), sorted(known), n=1)
        hint = f"; did you mean {match[0]!r}?" if match else ""
        problems.append(f"unknown setting {key!r} in {path}{hint}")
    return problems
