"""Secret masking for everything the platform writes or serves: logs, storage, API answers.

Two nets:

- **configured values**: every secret the settings hold (each ``SecretStr`` of the app and of
  every plugin's settings, e.g. ``PARIS_OPENDATA_APIKEY``, ``PARIS_SNCF_TOKEN``), plus the forms
  an upstream may echo them in (URL-encoded, and ``base64("<token>:")`` as Navitia's HTTP Basic
  auth sends it). Found by literal search, so it is cheap enough for raw payloads.
- **generic shapes**, for secrets this process was not told about (the API on Lambda does not
  hold the daemon's secrets): ``Authorization: Apikey|Bearer|Basic|Token <value>``, ``apikey=``,
  ``token=``, ``key=`` (and alike) parameters, ``user:password@`` in URLs. Regular expressions,
  so only used on short texts (error messages, state, rejects), never on a payload.

Values are registered once per process (:func:`register`, :func:`register_settings`); every
mask function reads the current set, so a secret registered late still applies.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretBytes, SecretStr

if TYPE_CHECKING:
    from collector.plugin import Fetched
    from collector.plugin_settings import PluginSettings
    from collector.settings import Settings

MASK = "***"
MIN_TEXT_SECRET = 4
"""Shorter values are not masked in texts: masking every "abc" would garble messages."""
MIN_PAYLOAD_SECRET = 8
"""Shorter values are not searched in raw payloads: they would rewrite ordinary data."""
MASKED_META = "secrets_masked"
"""Bronze metadata key set when a payload was rewritten: it is not byte-for-byte upstream's."""

_SECRET_WORDS = ("token", "key", "secret", "password", "passwd")

_lock = threading.Lock()
_values: tuple[str, ...] = ()
_payload_forms: tuple[bytes, ...] = ()

_AUTH_HEADER = re.compile(
    r"""(?P<head>\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?"""
    r"""(?:(?:apikey|bearer|basic|token|digest)\s+)?)(?P<value>[^\s"',;&]+)""",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(
    r"(?P<head>\b(?:apikey|bearer|token)\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})", re.IGNORECASE
)
_BASIC = re.compile(r"(?P<head>\bbasic\s+)(?P<value>[A-Za-z0-9+/]{4,}={0,2})", re.IGNORECASE)
_PARAM = re.compile(
    r"""(?P<head>\b(?:api[_-]?key|apikey|key|token|access[_-]?token|auth[_-]?token"""
    r"""|password|passwd|secret|client[_-]?secret)=)(?P<value>[^&\s"'#<>,;]+)""",
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)(?P<value>[^@\s/]+)(?=@)")


def _forms(value: str) -> set[str]:
    """The spellings of one secret an upstream or a client library may write."""
    forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    # Navitia's HTTP Basic auth: the token as user name, no password.
    for userinfo in (f"{value}:", value):
        encoded = base64.b64encode(userinfo.encode()).decode()
        forms.update({encoded, encoded.rstrip("=")})
    return {f for f in forms if len(f) >= MIN_TEXT_SECRET}


def register(value: str | None) -> None:
    """Mask ``value`` (and its encoded forms) everywhere from now on."""
    global _values, _payload_forms
    if not value:
        return
    value = value.strip()
    if len(value) < MIN_TEXT_SECRET:
        return
    with _lock:
        if value in _values:
            return
        # Longest first: a secret that contains another is masked whole.
        _values = tuple(sorted(set(_values) | _forms(value), key=len, reverse=True))
        long = [v.encode() for v in _values if len(v) >= MIN_PAYLOAD_SECRET]
        # A form containing a shorter one is masked by it (padding aside): one search less.
        _payload_forms = tuple(f for f in long if not any(o != f and o in f for o in long))


def registered() -> frozenset[str]:
    return frozenset(_values)


def secret_values(value: Any) -> Iterator[str]:
    """Every secret in a settings object: its ``SecretStr``/``SecretBytes`` fields, nested
    models, and, in plain mappings (plugin settings not yet validated), strings under a key
    that names a secret (token, key, secret, password)."""
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, SecretBytes):
        yield value.get_secret_value().decode("utf-8", "replace")
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secret_values(getattr(value, name, None))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str):
                if any(word in str(key).lower() for word in _SECRET_WORDS):
                    yield item
            else:
                yield from secret_values(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from secret_values(item)


def register_settings(app: Settings | None, plugins: PluginSettings | None = None) -> None:
    """Register every secret of the app settings and of each plugin's settings."""
    found: list[str] = []
    if app is not None:
        found += secret_values(app)
    if plugins is not None:
        for settings in (*plugins.sources.values(), *plugins.aggregations.values()):
            found += secret_values(settings)
    for value in found:
        register(value)


def register_all(values: Iterable[str | None]) -> None:
    for value in values:
        register(value)


def _sub(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: m["head"] + MASK if m["value"] != MASK else m[0], text)


def _basic(match: re.Match[str]) -> str:
    """Only what decodes as ``user:password`` is a credential: "Basic information" is not."""
    value = match["value"]
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return match[0]
    return match["head"] + MASK if b":" in decoded else match[0]


def mask_text(text: str) -> str:
    """``text`` with configured secrets and credential-shaped values replaced by the mask."""
    for secret in _values:
        if secret in text:
            text = text.replace(secret, MASK)
    if "=" not in text and ":" not in text and " " not in text:
        return text  # no shape can match: spare the expressions
    text = _sub(_AUTH_HEADER, text)
    text = _sub(_AUTH_SCHEME, text)
    text = _BASIC.sub(_basic, text)
    text = _sub(_PARAM, text)
    return _sub(_USERINFO, text)


def mask_value(value: Any) -> Any:
    """Mask every string in a JSON-like value (mapping keys included); other values as is."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(v) for v in value)
    if isinstance(value, BaseException):
        return mask_text(f"{type(value).__name__}: {value}")
    return value


def mask_payload(payload: bytes) -> tuple[bytes, int]:
    """A raw payload with each configured secret replaced, and how many spellings were found.

    Literal byte search only (a 30 MB export costs a few milliseconds per secret); the bytes
    are copied only when a secret is found, so a clean payload stays the very same object.
    """
    found = 0
    for form in _payload_forms:
        if form in payload:
            payload = payload.replace(form, MASK.encode())
            found += 1
    return payload, found


def mask_fetched(fetched: Fetched | None) -> Fetched | None:
    """What a source fetched, masked before it is hashed, spooled or stored.

    The payload keeps every byte upstream sent except configured secret values; its bronze
    metadata (``sha256``, ``bytes``) then describes the stored, masked payload, and
    ``secrets_masked`` says it was rewritten.
    """
    if fetched is None:
        return None
    payload, found = mask_payload(fetched.payload)
    meta = {str(k): mask_text(str(v)) for k, v in fetched.meta.items()}
    if found:
        meta[MASKED_META] = str(found)
    state = mask_value(dict(fetched.state))
    return replace(fetched, payload=payload, meta=meta, state=state)
