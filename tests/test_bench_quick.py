"""The benchmark suite's quick mode still runs (``python -m bench --quick``), so it cannot rot.

It runs in a temporary directory, writes no docs, and does not need the ``bench`` dependency
group (the dlt peer is skipped).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"


@pytest.mark.timeout(180)
def test_bench_quick_runs_without_writing_docs(tmp_path: Path) -> None:
    before = DOCS.stat().st_mtime_ns if DOCS.exists() else None
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--skip", "peer", "--tmp", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Targets" in done.stdout
    assert "FAILED" not in done.stdout
    after = DOCS.stat().st_mtime_ns if DOCS.exists() else None
    assert after == before, "--quick must not write docs/benchmarks.md"
    assert "dlt" not in sys.modules
