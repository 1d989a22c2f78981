"""The error of the read layer's setup (the readers turn it into their own answer)."""

from __future__ import annotations


class ConfigError(Exception):
    """The readers cannot start with these settings or plugins (the operator's problem)."""
