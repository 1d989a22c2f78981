"""Make files immutable for a while: a storage outage that even root cannot write through."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def read_only(files: list[Path]) -> Iterator[None]:
    """Make the files immutable (``chattr +i``, even for root) for the duration of the block."""
    subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)
