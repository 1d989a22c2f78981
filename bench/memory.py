"""What a process's RSS is made of: live Python objects, what malloc has lent, what it keeps.

RSS alone cannot tell a leak from an allocator that keeps freed memory for reuse (glibc keeps
it per arena, and the daemon parses in worker threads, each with its own arena). A leak grows
the live figures (objects the GC tracks, blocks Python's allocator holds, bytes malloc has
lent); retention grows only malloc's free bytes, and ``malloc_trim(0)`` gives them back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from pathlib import Path
from typing import Any


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc() -> Any:
    """glibc >= 2.33 (``mallinfo2``), else None (musl, macOS: the malloc figures are left out)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallinfo2.restype = _MallInfo2
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def figures() -> dict[str, float]:
    """RSS and its parts now, in MB (objects and blocks as counts)."""
    out = {
        "rss": rss_mb(),
        "objects": float(len(gc.get_objects())),
        "blocks": float(sys.getallocatedblocks()),
    }
    if _LIBC is not None:
        info = _LIBC.mallinfo2()
        out["malloc_used"] = (info.uordblks + info.hblkhd) / 2**20
        out["malloc_free"] = info.fordblks / 2**20
    return out


def trimmed() -> dict[str, float] | None:
    """:func:`figures` after ``malloc_trim(0)`` has given malloc's free pages back (glibc)."""
    if _LIBC is None:
        return None
    _LIBC.malloc_trim(0)
    return figures()
