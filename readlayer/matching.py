"""How a value a reader typed is matched against a stored one, in one place for every filter.

Names (stations, car parks, street labels, networks) are typed by people on all sorts of
keyboards: ``gare de l'est`` must find ``Paris Gare de l’Est``, ``saint-germain-des-pres``
must find ``Saint-Germain-des-Prés``. So names are compared *folded*: apostrophe and dash
variants made one, case folded, accents stripped (NFKD, then the combining marks dropped),
spaces collapsed. Enumerations (``traffic_state``) are codes, not names: their case is
ignored (``fluide`` means ``Fluide``, answered with the canonical value) but not their accents
(``Saturé`` and ``Sature`` would be two codes). Identifiers match exactly.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

APOSTROPHES = "\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032\uff07"
"""’ ‘ ʼ ʹ ` ´ ′ ＇: what keyboards, word processors and publishers put for ``'``."""
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
"""‐ ‑ ‒ – — −: typographic dashes for ``-``."""
_ONE_FORM = str.maketrans({**dict.fromkeys(APOSTROPHES, "'"), **dict.fromkeys(DASHES, "-")})


def fold(text: str) -> str:
    """The form two names are compared in: ``Gare de l’Est`` -> ``gare de l'est``."""
    # Apostrophes first: NFKD would turn ``´`` into a space and a combining accent.
    decomposed = unicodedata.normalize("NFKD", text.translate(_ONE_FORM).casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def is_identifier(field: str) -> bool:
    """Whether a record field holds an identifier (matched exactly), not a name."""
    return field in ("id", "entity_id") or field.endswith("_id")


@dataclass(frozen=True, eq=False)
class NameQuery:
    """A name to look for, as typed; :meth:`matches` compares folded forms.

    It also *equals* the texts it matches (``NameQuery("gare de l'est") == "Gare de l’Est"``),
    so code comparing a stored value with ``==`` applies the one rule without knowing it.
    """

    text: str

    # Equal to differently hashed strings: a hash would break sets and dicts, so none.
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NameQuery):
            return self.key == other.key
        return self.matches(other)

    @cached_property
    def key(self) -> str:
        return fold(self.text)

    def matches(self, value: Any) -> bool:
        """Whether a stored value is this name (``None`` never is)."""
        return isinstance(value, str) and fold(value) == self.key

    def found_in(self, value: Any) -> bool:
        """Whether this name is part of a stored value (``gare de lyon`` in a station name)."""
        return isinstance(value, str) and self.key in fold(value)


def code_key(text: str) -> str:
    """The form two enum values are compared in: case folded, one Unicode composition."""
    return unicodedata.normalize("NFC", text).casefold()


def enum_value(text: str, choices: Sequence[str]) -> str:
    """The choice ``text`` names, ignoring case; ``ValueError`` listing the choices."""
    if text in choices:
        return text
    key = code_key(text)
    found = [c for c in choices if code_key(c) == key]
    if len(found) == 1:
        return found[0]
    raise ValueError(f"must be one of {', '.join(choices)} (case ignored; got {text!r})")
