"""The API's pool of storage readers (``chalicelib.context``), on the seeded SQLite store.

A thread borrows a reader with ``context.reader()`` and the local server hands it back with
``context.release()`` after each request; the pool never holds more than ``POOL_SIZE``.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from api_testkit import APP, World
from chalice.test import Client
from chalicelib import context

from collector.storage import Reader, StorageError


@pytest.fixture
def pool(local_world: World) -> Iterator[None]:
    context.configure(local_world.settings)
    yield
    context.release()
    context.configure(None)


def borrow_in_threads(
    count: int, hold: threading.Event
) -> tuple[list[threading.Thread], list[Reader]]:
    """``count`` threads that each borrow a reader, read, and keep it until ``hold`` is set."""
    got: list[Reader] = []
    ready = threading.Semaphore(0)

    def work() -> None:
        found = context.reader()
        found.states()
        got.append(found)
        ready.release()
        hold.wait(10)
        context.release()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for _ in range(count):
        assert ready.acquire(timeout=10)
    return threads, got


def test_a_thread_keeps_its_reader_until_it_hands_it_back(pool: None) -> None:
    first = context.reader()
    assert context.reader() is first
    context.release()
    assert context.reader() is first  # the same one, from the pool: nothing new was opened
    assert context.open_readers() == 1


def test_never_more_readers_than_the_pool_and_never_one_shared(pool: None) -> None:
    in_use: set[int] = set()
    shared: list[int] = []
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal most
        for _ in range(20):
            found = context.reader()
            with guard:
                if id(found) in in_use:
                    shared.append(id(found))
                in_use.add(id(found))
                most = max(most, context.open_readers())
            found.states()
            time.sleep(0.001)
            with guard:
                in_use.discard(id(found))
            context.release()

    threads = [threading.Thread(target=work) for _ in range(3 * context.POOL_SIZE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not shared
    assert most == context.POOL_SIZE  # all of it used by 24 threads, and no more
    assert context.open_readers() == context.POOL_SIZE


def test_a_reader_never_handed_back_is_freed_with_its_thread(
    pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "BORROW_TIMEOUT_S", 0.5)
    hold = threading.Event()
    threads, got = borrow_in_threads(context.POOL_SIZE, hold)
    held = [weakref.ref(r) for r in got]
    got.clear()
    hold.set()
    for thread in threads:
        thread.join(10)

    def leave_without_release() -> None:
        context.reader().states()

    stray = threading.Thread(target=leave_without_release)
    stray.start()
    stray.join(10)
    gc.collect()
    assert sum(ref() is not None for ref in held) == context.POOL_SIZE - 1  # the stray's: gone
    assert context.open_readers() == context.POOL_SIZE - 1
    again = threading.Event()
    threads, got = borrow_in_threads(context.POOL_SIZE, again)  # its place is free again
    again.set()
    for thread in threads:
        thread.join(10)
    assert len({id(r) for r in got}) == context.POOL_SIZE


def test_all_readers_busy_answers_503_then_recovers(
    pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "BORROW_TIMEOUT_S", 0.3)
    hold = threading.Event()
    threads, _ = borrow_in_threads(context.POOL_SIZE, hold)
    try:
        began = time.monotonic()
        with pytest.raises(StorageError, match="readers busy"):
            context.reader()
        assert time.monotonic() - began >= 0.3
        with Client(APP) as client:
            answer: Any = client.http.get("/parkings")
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "30"
    finally:
        hold.set()
        for thread in threads:
            thread.join(10)
    with Client(APP) as client:
        assert client.http.get("/parkings").status_code == 200


def test_a_waiting_request_gets_the_first_reader_handed_back(pool: None) -> None:
    hold = threading.Event()
    threads, got = borrow_in_threads(context.POOL_SIZE, hold)
    threading.Timer(0.2, hold.set).start()
    began = time.monotonic()
    found = context.reader()
    waited = time.monotonic() - began
    assert found in got
    assert 0.15 <= waited < context.BORROW_TIMEOUT_S
    for thread in threads:
        thread.join(10)


def test_configure_closes_every_reader(pool: None, local_world: World) -> None:
    hold = threading.Event()
    threads, got = borrow_in_threads(2, hold)
    context.reader().states()
    context.release()
    assert context.open_readers() == 3
    context.configure(local_world.settings)
    assert context.open_readers() == 0
    assert all(r._conn is None for r in got)  # type: ignore[attr-defined]
    hold.set()
    for thread in threads:
        thread.join(10)
    # Readers of the old settings are closed on their way back, not pooled.
    assert context.open_readers() == 0
    assert all(r._conn is None for r in got)  # type: ignore[attr-defined]
