"""Give the memory a big run freed back to the system (glibc's ``malloc_trim``).

A traffic hour allocates tens of megabytes of small objects in a worker thread; once freed,
glibc keeps those pages in its arenas for reuse, so the daemon's RSS creeps up run after run
while its live memory stays flat (docs/benchmarks.md, section 7: +5.9 % over 900 ticks, back
to below the start after ``malloc_trim(0)``). Trimming after the runs that allocate a lot, at
most once a minute, keeps RSS honest for the operator's monitoring. Elsewhere than glibc
(musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from typing import Any

BIG_RUN_RECORDS = 1_000
"""A run that parsed at least this many records is worth a trim (a traffic hour: ~3,000)."""
MIN_GAP_S = 60.0


def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()
_last = float("-inf")


def after_run(records: int) -> bool:
    """Trim when a run of ``records`` records is big and the last trim is a minute old; True
    if it trimmed. Takes a few milliseconds: call it off the event loop."""
    global _last
    if _TRIM is None or records < BIG_RUN_RECORDS:
        return False
    now = time.monotonic()
    if now - _last < MIN_GAP_S:
        return False
    _last = now
    _TRIM(0)
    return True
