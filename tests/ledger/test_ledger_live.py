"""The completeness ledger as the daemon writes it: real sources against the replay upstream,
run in-process at chosen instants, on both backends; missing slots filled at read time."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from collector.keys import ts
from collector.ledger import rates as rates_module
from collector.ledger.read import complete_share, ledger
from collector.ledger.rebuild import rebuild
from collector.ledger.slots import slot_start
from collector.replay import replay
from collector.storage.local import LocalStore
from replay_upstream.pytest_plugin import TEST_START, Replay

TWO_MIN = timedelta(minutes=2)
T0 = slot_start(TEST_START, TWO_MIN)
COUNTS = ("expected", "received", "seen", "records", "flagged", "payloads", "revisions")


async def _parking_with_a_gap(collector: Any) -> list[datetime]:
    """Runs in slots 0, 1, 2, then the daemon is down for slots 3-5, then runs 6 and 7."""
    runs = [T0 + i * TWO_MIN for i in (0, 1, 2, 6, 7)]
    for at in runs:
        await collector.run("parking", at)
    return runs


async def test_a_daemon_down_leaves_missing_slots_exactly_there(
    make_collector: Callable[[str], Any], backend: str
) -> None:
    async with make_collector(backend) as c:
        await _parking_with_a_gap(c)
        parking, settings = c.source("parking"), c.settings("parking")
        # 22:47: slot 7 (22:44-22:46) is stored; slot 8 is not due until 22:50.
        now = T0 + 8 * TWO_MIN + timedelta(minutes=1)
        entries = await ledger(c.store, parking, settings, since=T0, until=now, now=now)

        starts = [e["slot_start"] for e in entries]
        assert starts == [ts(T0 + i * TWO_MIN) for i in range(8)]
        states = [e["state"] for e in entries]
        assert states == ["ok", "ok", "ok", "missing", "missing", "missing", "ok", "ok"]
        stored, missing = entries[2], entries[3]
        assert stored["received"] > 0 and stored["received"] >= 0.9 * stored["expected"]
        assert stored["seen"] == stored["records"] > stored["received"]  # no live counter: seen
        # A missing slot expects what the last stored one did, and received nothing.
        assert missing["expected"] == stored["expected"]
        assert [missing[k] for k in ("received", "payloads", "records")] == [0, 0, 0]
        assert (await c.store.get_state("parking"))["ledger_since"] == ts(T0)
        # Nothing before the ledger's start is missing: the daemon was not collecting yet.
        earlier = await ledger(
            c.store, parking, settings, since=T0 - 5 * TWO_MIN, until=now, now=now
        )
        assert earlier == entries
        share = await complete_share(c.store, parking, settings, window=now - T0, now=now)
        assert share == 5 / 8


async def test_a_half_silent_traffic_hour_is_partial(
    make_collector: Callable[[str], Any], replay_upstream: Replay
) -> None:
    hour = timedelta(hours=1)
    silent = TEST_START.replace(minute=0) + hour  # the next hour the upstream publishes
    replay_upstream.silence_traffic(silent, 0.5)
    async with make_collector("local") as c:
        for n in range(3):  # the first run also fetches the two hours before (BACKFILL_HOURS)
            await c.run("traffic", TEST_START + n * hour)
        traffic, settings = c.source("traffic"), c.settings("traffic")
        now = TEST_START + 2 * hour
        entries = await ledger(
            c.store, traffic, settings, since=silent - 2 * hour, until=now, now=now
        )

        by_slot = {e["slot_start"]: e for e in entries}
        quiet = by_slot[ts(silent)]
        assert quiet["state"] == "partial"
        assert quiet["received"] < traffic.coverage.partial_below * quiet["expected"]
        assert quiet["seen"] == quiet["records"]  # every arc is in the export, half without q/k
        around = [by_slot[ts(silent + d * hour)] for d in (-2, -1, 1)]
        assert [e["state"] for e in around] == ["ok", "ok", "ok"]
        # The other hours report about as many arcs as expected; the silent one about half.
        assert all(e["received"] >= 0.9 * e["expected"] for e in around)
        assert 0.3 < quiet["received"] / around[1]["received"] < 0.7
        # Slots of observed hours: received at the run after the hour, never late here.
        assert quiet["first_received_at"] == ts(TEST_START + hour)
        rates = await c.store.get_raw(rates_module.key("traffic"))
        doc = rates_module.Rates.from_body("traffic", hour, rates.body)
        assert len(doc.entities) == quiet["seen"]


async def test_an_hour_where_most_arcs_fall_silent_fails_the_sudden_drop_check(
    make_collector: Callable[[str], Any], replay_upstream: Replay
) -> None:
    hour = timedelta(hours=1)
    silent = TEST_START.replace(minute=0) + hour
    replay_upstream.silence_traffic(silent, 0.8)
    async with make_collector("local") as c:
        for n in range(3):
            await c.run("traffic", TEST_START + n * hour)
        traffic, settings = c.source("traffic"), c.settings("traffic")
        now = TEST_START + 2 * hour
        entries = await ledger(
            c.store, traffic, settings, since=silent - 2 * hour, until=now, now=now
        )
    by_slot = {e["slot_start"]: e for e in entries}
    assert by_slot[ts(silent)]["checks"].get("sudden_drop") == 1
    assert by_slot[ts(silent)]["state"] == "partial"
    # The hour after recovers: more arcs than the silent hour, no drop.
    assert "sudden_drop" not in by_slot[ts(silent + hour)]["checks"]
    assert "sudden_drop" not in by_slot[ts(silent - hour)]["checks"]


async def test_replaying_bronze_counts_no_payload_twice(
    make_collector: Callable[[str], Any], backend: str
) -> None:
    async with make_collector(backend) as c:
        await _parking_with_a_gap(c)
        parking, settings = c.source("parking"), c.settings("parking")
        now = T0 + 9 * TWO_MIN
        before = await ledger(c.store, parking, settings, since=T0, until=now, now=now)
        report = await replay(c.store, parking, settings.retention_days, settings=settings)
        assert report.payloads == 5 and not report.failures
        after = await ledger(c.store, parking, settings, since=T0, until=now, now=now)
        assert after == before


async def _assert_rebuilt_as_live(
    c: Any, names: list[str], since: datetime, now: datetime, fresh_dir: Path
) -> dict[str, list[dict[str, Any]]]:
    live = {
        name: await ledger(
            c.store, c.source(name), c.settings(name), since=since, until=now, now=now
        )
        for name in names
    }
    # A store that never had a ledger, with the same bronze: "rebuilt for past periods".
    fresh = LocalStore(fresh_dir)
    await fresh.open()
    try:
        await fresh.init()
        for name in names:
            for key in await c.store.list_raw(f"raw/{name}/"):
                raw = await c.store.get_raw(key)
                await fresh.put_raw(key, raw.body, raw.meta)
        for name in names:
            source, settings = c.source(name), c.settings(name)
            report = await rebuild(fresh, source, settings, since=since, until=now, now=now)
            assert report.payloads > 0 and report.unreadable == 0
            rebuilt = await ledger(fresh, source, settings, since=since, until=now, now=now)
            assert rebuilt == live[name], name
            # Rebuilt over the ledger the daemon wrote, nothing changes either.
            await rebuild(c.store, source, settings, since=since, until=now, now=now)
            again = await ledger(c.store, source, settings, since=since, until=now, now=now)
            assert again == live[name], name
    finally:
        await fresh.close()
    return live


async def test_rebuild_from_bronze_gives_the_entries_written_live(
    make_collector: Callable[[str], Any], backend: str, tmp_path: Path
) -> None:
    async with make_collector(backend) as c:
        await _parking_with_a_gap(c)
        now = T0 + 12 * TWO_MIN
        live = await _assert_rebuilt_as_live(c, ["parking"], T0 - TWO_MIN, now, tmp_path / "fresh")
    states = [e["state"] for e in live["parking"]]
    assert states[:8] == ["ok", "ok", "ok", "missing", "missing", "missing", "ok", "ok"]
    assert set(states[8:]) == {"missing"}  # the daemon stopped for good after slot 7


async def test_rebuild_of_observed_hours_gives_the_entries_written_live(
    make_collector: Callable[[str], Any], replay_upstream: Replay, tmp_path: Path
) -> None:
    hour = timedelta(hours=1)
    replay_upstream.silence_traffic(TEST_START.replace(minute=0) + hour, 0.5)
    async with make_collector("local") as c:
        for n in range(3):
            await c.run("traffic", TEST_START + n * hour)
        now = TEST_START + 3 * hour
        live = await _assert_rebuilt_as_live(
            c, ["traffic"], TEST_START - 3 * hour, now, tmp_path / "fresh"
        )
    assert [e["state"] for e in live["traffic"]].count("partial") == 1


async def test_a_spooled_payload_is_counted_in_the_slot_it_was_fetched_in(
    make_collector: Callable[[str], Any], tmp_path: Path
) -> None:
    from collector.recovery import drain
    from collector.spool import Spool

    async with make_collector("local") as c:
        at = T0 + 5 * TWO_MIN + timedelta(seconds=30)
        await c.run("parking", at)
        [key] = await c.store.list_raw("raw/parking/")
        raw = await c.store.get_raw(key)
        parking, settings = c.source("parking"), c.settings("parking")
        live = await ledger(c.store, parking, settings, since=T0, until=at, now=at)
        # The same payload, spooled while storage was down, replayed into another store.
        spool = Spool(tmp_path / "spool", max_bytes=10**8)
        spool.put("parking", key, gzip.decompress(raw.body), raw.meta, {}, at.isoformat())
        other = LocalStore(tmp_path / "other")
        await other.open()
        try:
            await other.init()
            services = c.services
            assert await drain(spool, other, services.registry, services.plugins) == (1, 0)
            later = at + timedelta(hours=1)
            replayed = await ledger(other, parking, settings, since=T0, until=at, now=later)
            assert (await other.get_state("parking"))["ledger_since"] == ts(T0 + 5 * TWO_MIN)
        finally:
            await other.close()
    assert [e["slot_start"] for e in replayed] == [ts(T0 + 5 * TWO_MIN)]
    assert replayed == live


async def test_the_complete_share_follows_the_entries_the_daemon_writes(
    make_collector: Callable[[str], Any],
) -> None:
    async with make_collector("local") as c:
        parking, settings = c.source("parking"), c.settings("parking")
        await c.run("parking", T0)
        now = T0 + 3 * TWO_MIN  # slot 1 is due (missing), slot 2 not yet
        window = timedelta(hours=1)
        assert await complete_share(c.store, parking, settings, window=window, now=now) == 1 / 2
        await c.run("parking", T0 + 2 * TWO_MIN)
        now = T0 + 4 * TWO_MIN
        # Read through the cached week: the entry just written is in it.
        assert await complete_share(c.store, parking, settings, window=window, now=now) == 2 / 3
        assert await complete_share(c.store, parking, settings, window=2 * TWO_MIN, now=now) == 1.0
