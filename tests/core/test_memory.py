"""The daemon gives freed memory back after big runs, at most once a minute (glibc)."""

from __future__ import annotations

import platform

import pytest

from collector import memory


def test_big_runs_trim_at_most_once_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    if platform.libc_ver()[0] == "glibc":
        assert memory._TRIM is not None  # found on glibc, where the growth was measured
    monkeypatch.setattr(memory, "_TRIM", calls.append)
    monkeypatch.setattr(memory, "_last", float("-inf"))
    clock = [1000.0]
    monkeypatch.setattr(memory.time, "monotonic", lambda: clock[0])

    assert not memory.after_run(memory.BIG_RUN_RECORDS - 1)  # a small run: nothing to give back
    assert memory.after_run(3_000)
    clock[0] += memory.MIN_GAP_S - 1
    assert not memory.after_run(3_000)
    clock[0] += 1
    assert memory.after_run(3_000)
    assert calls == [0, 0]


def test_the_real_trim_runs() -> None:
    if memory._TRIM is None:
        assert platform.libc_ver()[0] != "glibc"
        return
    memory._last = float("-inf")
    assert memory.after_run(memory.BIG_RUN_RECORDS)
