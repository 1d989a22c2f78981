"""The completeness ledger through the read layer, on both backends: stored entries, missing
slots filled, enabled sources, reporting rates, and the slot rules equal to the daemon's."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from collector import keys
from collector.ledger import slots
from collector.plugin import SourceSettings
from collector.registry import discover
from collector.settings import Settings
from collector.storage import Reader, Store
from readlayer import completeness as ledger
from readlayer.catalogue import Catalogue, build_catalogue
from readlayer.manifest import manifest_from_registry
from readlayer.slot_rules import rule
from tests.readlayer.completeness_seed import EXPECTED, GAP, SLOTS, seed_ledger

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
SOURCES = ("parking", "traffic")


def catalogue(settings: Settings | None = None) -> Catalogue:
    return build_catalogue(manifest_from_registry(discover()), settings)


async def test_stored_and_missing_slots_oldest_first(store: Store, reader: Reader) -> None:
    found = catalogue()
    seeded = await seed_ledger(store, found, NOW, sources=SOURCES)
    for name in SOURCES:
        rows = ledger.completeness(
            reader, found, source=name, since=seeded.since, until=seeded.until, now=NOW
        )
        mine = seeded.states[name]
        assert [r["slot_start"] for r in rows] == list(mine)  # oldest first, none skipped
        assert {r["slot_start"]: r["state"] for r in rows} == mine
        assert [r["source"] for r in rows] == [name] * SLOTS
        gap = [rows[i] for i in GAP]
        # A missing slot expects what the nearest earlier entry expected.
        assert [g["expected"] for g in gap] == [EXPECTED + GAP[0] - 1] * len(GAP)
        assert all(g["received"] == 0 and g["payloads"] == 0 for g in gap)
        slot = ledger.slot_rule(found.source(name)).slot
        assert all(
            keys.parse_ts(r["slot_end"]) - keys.parse_ts(r["slot_start"]) == slot for r in rows
        )


async def test_every_enabled_source_by_source_then_slot(store: Store, reader: Reader) -> None:
    found = catalogue()
    seeded = await seed_ledger(store, found, NOW, sources=SOURCES)
    await store.put_state("velib", {"enabled": False, "disabled_reason": "switched off"})
    rows = ledger.completeness(reader, found, since=seeded.since, until=seeded.until, now=NOW)
    names = list(dict.fromkeys(r["source"] for r in rows))
    # The other enabled sources have no ledger (no ledger_since): nothing is missing for them.
    assert names == sorted(SOURCES)
    assert rows == sorted(rows, key=lambda r: (r["source"], r["slot_start"]))
    assert "velib" not in ledger.ledger_sources(found, reader.states())
    assert set(SOURCES) <= set(ledger.ledger_sources(found, reader.states()))
    # Named, a switched-off source still answers its (empty) ledger.
    assert (
        ledger.completeness(
            reader, found, source="velib", since=seeded.since, until=seeded.until, now=NOW
        )
        == []
    )


async def test_due_slots_after_the_last_entry_are_missing(store: Store, reader: Reader) -> None:
    found = catalogue()
    seeded = await seed_ledger(store, found, NOW, sources=("traffic",))
    rule_ = ledger.slot_rule(found.source("traffic"))
    rows = ledger.completeness(
        reader, found, source="traffic", since=seeded.since, until=NOW + rule_.slot, now=NOW
    )
    after = rows[SLOTS:]
    assert all(r["state"] == "missing" for r in after)
    assert all(keys.parse_ts(r["slot_end"]) + rule_.due_after <= NOW for r in after)
    # The next slot is not due yet: it is absent, not missing.
    following = keys.parse_ts(rows[-1]["slot_end"])
    assert following + rule_.slot + rule_.due_after > NOW


async def test_nothing_is_missing_before_the_ledger_started(store: Store, reader: Reader) -> None:
    found = catalogue()
    seeded = await seed_ledger(store, found, NOW, sources=("parking",))
    slot = ledger.slot_rule(found.source("parking")).slot
    rows = ledger.completeness(
        reader, found, source="parking", since=seeded.since - 10 * slot, until=seeded.until,
        now=NOW,
    )  # fmt: skip
    assert rows[0]["slot_start"] == keys.ts(seeded.since)
    assert len(rows) == SLOTS


async def test_a_range_too_long_is_refused(store: Store, reader: Reader) -> None:
    found = catalogue()
    slot = ledger.slot_rule(found.source("parking")).slot
    with pytest.raises(ledger.RangeTooLong, match="parking: the range holds more than"):
        ledger.completeness(
            reader, found, source="parking", since=NOW - slot * (ledger.MAX_SLOTS + 1),
            until=NOW, now=NOW,
        )  # fmt: skip


async def test_reporting_rates_by_entity(store: Store, reader: Reader) -> None:
    found = catalogue()
    seeded = await seed_ledger(store, found, NOW, sources=("traffic",), rate_entities=25)
    rows = ledger.reporting_rates(reader, "traffic")
    assert [r["entity_id"] for r in rows] == sorted(seeded.rates["traffic"], key=int)
    for row in rows:
        stored = seeded.rates["traffic"][row["entity_id"]]
        assert row == {"entity_id": row["entity_id"], **stored}
    never = ledger.never_reporting(rows)
    assert never and all(r["last_reported"] is None and r["rate"] == 0 for r in never)
    assert len(never) == sum(1 for r in seeded.rates["traffic"].values() if not r["last_reported"])
    assert ledger.reporting_rates(reader, "parking") == []  # nothing counted yet


async def test_an_unreadable_rates_object_is_empty_and_logged(
    store: Store, reader: Reader, caplog: pytest.LogCaptureFixture
) -> None:
    await store.put_object(ledger.entities_key("traffic"), b"not gzip", "application/json")
    assert ledger.reporting_rates(reader, "traffic") == []
    assert "reporting rates of traffic unreadable" in caplog.text
    body = gzip.compress(orjson.dumps({"source": "traffic"}))
    await store.put_object(ledger.entities_key("traffic"), body, "application/json")
    assert ledger.reporting_rates(reader, "traffic") == []


@pytest.mark.parametrize(("interval", "freshness"), [(None, None), (None, 7200.0), (600.0, None)])
def test_slot_rules_are_the_daemons(interval: float | None, freshness: float | None) -> None:
    registry = discover()
    manifest = manifest_from_registry(registry)
    settings = SourceSettings(interval=interval, freshness=freshness)
    for name, found in registry.sources.items():
        plugin = found.plugin
        facts = manifest["sources"][name]
        mine = rule(facts["ledger"], facts["interval_s"], interval=interval, freshness=freshness)
        assert mine.slot == slots.slot_length(plugin, settings), name
        assert mine.due_after == slots.due_after(plugin, settings), name
        assert mine.by == plugin.coverage.by
        # The catalogue applies the operator's settings the same way.
        configured = Settings(
            _env_file=None,  # type: ignore[call-arg]
            sources={
                name: {k: v for k, v in (("interval", interval), ("freshness", freshness)) if v}
            },
        )
        assert catalogue(configured).sources[name].slots == mine


def test_a_manifest_without_ledger_facts_counts_one_slot_per_interval() -> None:
    old = rule(None, 300)
    assert (old.slot, old.due_after, old.by) == (timedelta(seconds=300),) * 2 + ("fetched",)


async def test_entries_are_read_page_after_page(
    store: Store, reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The entries' data do not repeat their key's observed_at: pages resume from the key.
    found = catalogue()
    seeded = await seed_ledger(store, found, NOW, sources=("traffic",))
    whole = ledger.completeness(
        reader, found, source="traffic", since=seeded.since, until=seeded.until, now=NOW
    )
    monkeypatch.setattr(ledger, "HISTORY_PAGE", 3)
    paged = ledger.completeness(
        reader, found, source="traffic", since=seeded.since, until=seeded.until, now=NOW
    )
    assert paged == whole and len(paged) == SLOTS


def test_the_lookback_and_the_rates_key_are_the_daemons() -> None:
    from collector.ledger.rates import key
    from collector.ledger.read import LOOKBACK

    assert ledger.LOOKBACK == LOOKBACK
    assert ledger.entities_key("traffic") == key("traffic")


def test_the_read_layer_leaves_the_daemons_writing_side_out() -> None:
    # The Lambda bundle vendors what the API imports: not structlog, rich and pygments.
    code = "import sys, readlayer.completeness, readlayer.catalogue; print(sorted(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "collector.logs" not in loaded and "structlog" not in loaded
