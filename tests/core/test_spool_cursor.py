"""Spool replay moves a source's cursor as a live run would: never past a payload that stored
nothing the upstream announced, and never over a cursor it was not fetched from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from collector.plugin_settings import resolve
from collector.recovery import drain
from collector.registry import discover
from collector.settings import Settings
from collector.spool import Spool
from collector.storage.local import LocalStore

CASE = Path(__file__).parents[2] / "sources/traffic/testcases/hour_with_quirks/payload.json"
W0, W1, W2 = (f"2025-11-04T{h}:00:00+00:00" for h in ("17", "18", "20"))
DAY_START, DAY_END = datetime(2025, 11, 4, tzinfo=UTC), datetime(2025, 11, 5, tzinfo=UTC)


def bundle(valid: bool) -> bytes:
    data = orjson.loads(CASE.read_bytes())
    if not valid:  # every row carries an unreadable occupancy: nothing valid lands
        data["counts"] = [{**row, "k": "n/a"} for row in data["counts"] if row["iu_ac"] != "*"]
        data["arcs"] = None
    return orjson.dumps(data)


@pytest.mark.parametrize(
    ("first_valid", "cursor"),
    [(True, W2), (False, W0)],
    ids=["both-stored", "first-stored-nothing"],
)
async def test_replay_never_moves_the_cursor_past_what_was_not_stored(
    tmp_path: Path, first_valid: bool, cursor: str
) -> None:
    app = Settings(_env_file=None, data_dir=tmp_path / "data")
    registry = discover(None)
    plugins = resolve(registry, app)
    spool = Spool(tmp_path / "spool", max_bytes=10**8)
    # The runner spools each payload with the cursor it was fetched from.
    for n, (valid, before, after) in enumerate(((first_valid, W0, W1), (True, W1, W2))):
        spool.put(
            "traffic",
            f"raw/traffic/2025/11/05/00000{n}000000Z.json.gz",
            bundle(valid),
            {},
            {"watermark": after},
            "2025-11-05T00:00:00+00:00",
            before={"watermark": before},
            expect_records=True,
        )
    async with LocalStore(app.data_dir) as store:
        await store.put_state("traffic", {"plugin": {"watermark": W0}})
        assert await drain(spool, store, registry, plugins) == (2, 0)
        state = await store.get_state("traffic")
        rows = await store.read_window("traffic", DAY_START, DAY_END)
    assert state["plugin"]["watermark"] == cursor
    # The valid payload's rows landed either way; a live run refetches from the cursor.
    assert {r["observed_at"] for r in rows} >= {"2025-11-04T19:00:00Z", "2025-11-04T20:00:00Z"}
