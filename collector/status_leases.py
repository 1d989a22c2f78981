"""What ``status`` shows of who runs what: the leases (every backend) and the local writer lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collector.lock import describe, live_holder
from collector.storage.base import Lease


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def lease_docs(leases: Sequence[Lease], now_ms: int) -> list[dict[str, Any]]:
    """The leases for ``status --json``: an expired one is free for any daemon to take."""
    return [
        {
            "name": x.name,
            "holder": x.holder,
            "acquired_at": x.acquired_at,
            "renewed_at": x.renewed_at,
            "expires_at": _stamp(x.expires_ms),
            "expires_in_s": round((x.expires_ms - now_ms) / 1000, 1),
            "expired": x.expired(now_ms),
        }
        for x in leases
    ]


def lease_lines(leases: Sequence[Lease], now_ms: int) -> list[str]:
    if not leases:
        return ["leases: none held (no daemon is running against this storage)"]
    lines = ["leases:"]
    for x in leases:
        left = (x.expires_ms - now_ms) / 1000
        if x.expired(now_ms):
            when = f"EXPIRED {-left:.0f}s ago: free, the next daemon to try takes it"
        else:
            when = f"expires in {left:.0f}s (since {x.acquired_at})"
        lines.append(f"  {x.name:<28} {x.holder:<32} {when}")
    return lines


def lock_doc(data_dir: Path) -> dict[str, Any] | None:
    return live_holder(data_dir)


def lock_line(data_dir: Path) -> str:
    holder = live_holder(data_dir)
    if holder is None:
        return f"writer lock: free ({data_dir})"
    return f"writer lock: held by {describe(holder)}"
