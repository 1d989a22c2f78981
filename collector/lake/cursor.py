"""The lake writer's cursors in the state store (light: no pyarrow, no pyiceberg).

Per source, ``lake#<source>`` holds ``cursor`` (the last bronze key folded into the lake) and
``rewind`` (the earliest key written to bronze behind it since: a drained spool, a replay),
where the next flush starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.storage.base import Store

GOLD_STATE = "lake#gold"


def state_name(source: str) -> str:
    return f"lake#{source}"


async def rewind(store: Store, source: str, raw_key: str) -> None:
    """Make the next flush of ``source`` start at ``raw_key`` if it is behind the cursor."""
    state = dict(await store.get_state(state_name(source)))
    cursor = state.get("cursor")
    if cursor is None or raw_key > str(cursor):
        return  # not folded in yet: the next flush reaches it anyway
    pending = state.get("rewind")
    if pending is None or raw_key < str(pending):
        state["rewind"] = raw_key
        await store.put_state(state_name(source), state)
