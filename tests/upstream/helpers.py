"""Helpers shared by the replay upstream's tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from replay_upstream.pytest_plugin import Replay

ODS = "/api/explore/v2.1/catalog/datasets"
TRAFFIC = f"{ODS}/comptages-routiers-permanents"

__all__ = ["ODS", "TRAFFIC", "Answer", "Fetch", "Replay"]


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Fetch = Callable[..., Answer]
