"""Fixtures for the source tests (the helpers live in ``fake_upstream``)."""

from fake_upstream import http, upstream

__all__ = ["http", "upstream"]
