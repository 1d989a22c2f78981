"""S3 user metadata that survives any value.

S3 sends metadata as HTTP headers: ASCII only, no control characters, and surrounding spaces or
empty values get lost. Any other value is stored as an RFC 2047 encoded word
(``=?UTF-8?B?...?=``, the form S3 itself uses) and decoded on read, so ``get_raw`` returns
exactly what ``put_raw`` got. Keys come back lower-cased, as S3 stores them; all the metadata
must fit in S3's 2 KB.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

_WORD = re.compile(r"=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=")


def _plain(value: str) -> bool:
    return (
        value != ""
        and value.isascii()
        and value.isprintable()
        and value == value.strip()
        and not value.startswith("=?")
    )


def encode_meta(meta: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value if _plain(value) else _encode(value) for key, value in meta.items()}


def _encode(value: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(value.encode()).decode() + "?="


def decode_meta(meta: Mapping[str, str]) -> dict[str, str]:
    return {key: _decode(value) for key, value in meta.items()}


def _decode(value: str) -> str:
    match = _WORD.fullmatch(value)
    if match is None:
        return value
    try:
        return base64.b64decode(match[1], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return value
