"""The runner reads and writes the source state through the typed model: a corrupt state
does not stop the source, and keys the model does not know survive its runs."""

from __future__ import annotations

from collections.abc import Callable

from collector.settings import Settings
from collector.storage.local import LocalReader, LocalStore
from tests.core.conftest import Upstream
from tests.core.test_runner import ROWS, counter_app, run_counter

CORRUPT = {
    "consecutive_failures": "many",
    "records_total": "lots",
    "notices": "not a list",
    "plugin": "not a map",
    "last_status": 7,
    "from_a_newer_daemon": {"kept": True},
}


async def test_a_corrupt_state_is_overwritten_by_the_next_run(
    make_app: Callable[..., Settings], upstream: Upstream
) -> None:
    upstream.rows = ROWS
    app = counter_app(make_app, upstream)
    async with LocalStore(app.data_dir) as store:
        await store.put_state("counter", CORRUPT)
    _, [result] = await run_counter(app)
    assert result.status == "ok" and result.written == 2
    state = LocalReader(app.data_dir).states()["counter"]
    assert state["consecutive_failures"] == 0
    assert state["records_total"] == 2 and state["records_last_run"] == 2
    assert state["last_status"] == "ok" and list(state["plugin"]) == ["last_bytes"]
    assert state["from_a_newer_daemon"] == {"kept": True}
    assert state["notices"] == "not a list"  # not the model's to fix: no notice came
