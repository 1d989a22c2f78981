"""Newest-first pages and their tokens, the same on every backend.

A page's ``next`` token holds ``before``: the largest key strictly below the last item shown,
so a token issued by one backend means the same on the other (both order fixed-width key
strings the same way) and a reader resumes with a plain ``<= before`` range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from collector.storage.base import Page, decode_cursor, encode_cursor


def step_back(timestamp: str) -> str:
    """The largest key strictly before ``timestamp`` (keys are fixed-width strings)."""
    return timestamp[:-1] + chr(ord(timestamp[-1]) - 1) + "~"


def resume_until(until: str, cursor: str | None) -> str:
    """The upper bound of a newest-first range, moved down to where ``cursor`` left off."""
    if cursor is None:
        return until
    return str(decode_cursor(cursor).get("before", until))


def newest_first_page(found: Sequence[tuple[dict[str, Any], str]], limit: int) -> Page:
    """A page of ``limit`` items out of up to ``limit + 1`` found, each with its sort key."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(found) > limit:
        kept = found[:limit]
        token = encode_cursor({"before": step_back(kept[-1][1])})
        return Page(items=[item for item, _ in kept], next=token)
    return Page(items=[item for item, _ in found])
