"""A small synchronous client for the ``/_replay/`` admin endpoints (tests, demo scripts).

Blocking calls: use it against a server in another thread or process
(:func:`~replay_upstream.server.start_in_thread`, ``python -m replay_upstream``), not
against a :class:`ReplayUpstream` running in the caller's own event loop.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any


class ReplayClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_replay/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ValueError(f"{method} /_replay/{path}: {exc.code} {exc.read()!r}") from None

    # Faults
    def fault(self, kind: str, match: str = "", **options: Any) -> int:
        """Add a fault (see ``Fault``: times, status, delay, retry_after, field, value,
        fraction, mode, body); returns its id."""
        result = self._call("POST", "faults", {"kind": kind, "match": match, **options})
        return int(result["id"])

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "faults")["faults"])

    def remove_fault(self, ident: int) -> None:
        self._call("DELETE", f"faults/{ident}")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    # Request log
    def requests(self, match: str | None = None) -> list[dict[str, Any]]:
        suffix = "" if match is None else "?" + urllib.parse.urlencode({"match": match})
        return list(self._call("GET", "requests" + suffix)["requests"])

    def request_count(self, match: str | None = None) -> int:
        suffix = "" if match is None else "?" + urllib.parse.urlencode({"match": match})
        return int(self._call("GET", "requests" + suffix)["count"])

    def bytes_sent(self, match: str | None = None) -> int:
        suffix = "" if match is None else "?" + urllib.parse.urlencode({"match": match})
        return int(self._call("GET", "requests" + suffix)["bytes"])

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    # Clock
    def clock(self) -> dict[str, Any]:
        return dict(self._call("GET", "clock"))

    def set_clock(self, when: datetime | str) -> dict[str, Any]:
        value = when.isoformat() if isinstance(when, datetime) else when
        return dict(self._call("POST", "clock", {"set": value}))

    def advance(self, seconds: float = 0, *, hours: float = 0) -> dict[str, Any]:
        return dict(self._call("POST", "clock", {"advance": seconds + hours * 3600}))

    def accelerate(self, factor: float) -> dict[str, Any]:
        return dict(self._call("POST", "clock", {"accelerate": factor}))

    # Traffic late corrections
    def corrections(self, late_share: float, late_hours: int = 24) -> dict[str, Any]:
        """Publish each traffic hour provisional for ``late_hours``, ``late_share`` of its
        arcs late (null or partial counts), completed after."""
        body = {"late_share": late_share, "late_hours": late_hours}
        return dict(self._call("POST", "traffic", body))

    def silence_traffic(self, hour: datetime | str, share: float = 0.5) -> dict[str, Any]:
        """Publish the traffic hour ``hour`` (its ``t_1h``) with ``share`` of its arcs silent
        (``q`` and ``k`` null); 0 restores it."""
        value = hour.isoformat() if isinstance(hour, datetime) else hour
        return dict(self._call("POST", "traffic/silence", {"hour": value, "share": share}))

    # Navitia tokens, reset
    def accept_tokens(self, tokens: list[str] | None) -> None:
        self._call("POST", "tokens", {"accept": tokens})

    def reset(self) -> dict[str, Any]:
        return dict(self._call("POST", "reset", {}))

    def env(self) -> dict[str, str]:
        """The collector settings that point every upstream at this server."""
        return {
            "PARIS_OPENDATA_URL": self.url,
            "PARIS_SAEMES_URL": self.url,
            "PARIS_SNCF_URL": self.url,
            "PARIS_SOURCES__VELIB__GBFS_URL": f"{self.url}/opendata/Velib_Metropole/gbfs.json",
        }
