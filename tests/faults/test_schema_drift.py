"""Schema drift: a field the parser needs disappears, or a new one appears.

A removed required field sets those records aside (dead letters, with their reason and a
pointer to the raw payload) while the valid ones still land; ``dlq replay`` after a parser
fix files them. A new field is told to the operator once, not once per payload.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from collector.plugin import Notice, Source
from sources.departures import SOURCE as DEPARTURES
from sources.parking import SOURCE as PARKING
from sources.traffic import SOURCE as TRAFFIC_SOURCE

from .helpers import (
    GARE_DE_LYON,
    GARE_DU_NORD,
    PLUGINS,
    ROOT,
    SAEMES_LIVE,
    Collector,
    Replay,
    payload_keys,
    silver_keys,
)


def test_removed_field_dead_letters_added_field_noted_once_dlq_replay_after_fix(
    collector: Collector, replay_upstream: Replay
) -> None:
    for name in ("parking", "departures"):
        collector.sources[name]["enabled"] = True
    collector.sources["stations"] = dict(collector.sources["departures"])
    # Gare de Lyon's departures lose the field their id comes from; Gare du Nord's and the
    # SAEMES live rows gain a field nobody knows yet.
    dropped = f"{GARE_DE_LYON}/departures"
    replay_upstream.fault("drop_field", match=dropped, field="links")
    replay_upstream.fault("add_field", match=f"{GARE_DU_NORD}/departures", field="quai", value="7")
    replay_upstream.fault("add_field", match=SAEMES_LIVE, field="taux", value=0.5)
    daemon = collector.start(PARIS_PLUGIN_DIR=str(PLUGINS / "v1"))

    def two_runs_each() -> bool:
        runs = [x for x in daemon.lines if x.get("event") == "run" and x["status"] == "ok"]
        return all(sum(x["source"] == s for x in runs) >= 2 for s in sources)

    sources = ("parking", "departures", "stations")
    daemon.wait(two_runs_each, "two runs of every source", timeout=60)
    assert daemon.terminate() == 0
    runs = [x for x in daemon.events("run") if x["status"] == "ok"]
    assert not daemon.events("source failing")

    # Each new field told once (a warning), whatever the number of payloads that carried it.
    notices = sorted(
        (x["source"], x["notice"], x["level"]) for x in daemon.events("upstream notice")
    )
    assert notices == [
        ("departures", "new_fields:departures:quai", "warning"),
        ("parking", "new_fields:parking:taux", "warning"),
        ("stations", "new_fields:departures:quai", "warning"),
    ]

    # Gare de Lyon's departures are set aside, each with its reason and raw pointer...
    bronze = collector.bronze("departures")
    rejects = collector.rejects("departures")
    invalid = sum(x["invalid"] for x in runs if x["source"] == "departures")
    assert invalid > 0 and len(rejects) == invalid
    assert {r.raw_key for r in rejects} <= set(bronze)
    assert all("entity_id" in r.reason and r.data["stop_area_id"] == GARE_DE_LYON for r in rejects)
    # ... and Gare du Nord's all land: silver holds every valid record of every payload, once.
    rows = collector.silver("departures")
    assert {r["stop_area_id"] for r in rows} == {GARE_DU_NORD}
    assert sorted(silver_keys(rows)) == sorted(payload_keys(collector, DEPARTURES, bronze))

    listed = collector.cli("dlq", "list", "departures", PARIS_PLUGIN_DIR=str(PLUGINS / "v1"))
    assert listed.returncode == 0, listed.stderr
    assert f"{invalid} records set aside" in listed.stdout
    assert rejects[0].raw_key in listed.stdout and "entity_id" in listed.stdout

    # A fixed parser (plugin v2) files what v1 set aside, and nothing is set aside any more.
    waiting = collector.rejects("stations")
    trains = {(r.data["train_number"], r.data["base_departure"]) for r in waiting}
    assert trains and all(r.data["stop_area_id"] == GARE_DE_LYON for r in waiting)
    fixed = collector.cli("dlq", "replay", "stations", PARIS_PLUGIN_DIR=str(PLUGINS / "v2"))
    assert fixed.returncode == 0, fixed.stderr
    done = f"{len(waiting)} records recovered, 0 still set aside, 0 payloads unreadable"
    assert done in fixed.stdout
    assert collector.rejects("stations") == []
    stations = collector.silver("stations")
    lyon = [r for r in stations if r["stop_area_id"] == GARE_DE_LYON]
    assert len(lyon) == len(trains)  # one row per train, however many payloads held it
    assert {r["stop_area_id"] for r in stations} == {GARE_DE_LYON, GARE_DU_NORD}


NEW_FIELD: dict[str, tuple[str, str, Any]] = {
    # source: (golden case, new field, where it goes in the bundle)
    "traffic": ("hour_with_quirks", "vitesse", lambda b: b["counts"][0]),
    "parking": ("live_joined", "taux", lambda b: b["live"][0]["results"][0]),
    "departures": (
        "realtime_and_errors",
        "quai",
        lambda b: next(iter(b.values()))["departures"][0],
    ),
}


@pytest.mark.parametrize("source", [TRAFFIC_SOURCE, PARKING, DEPARTURES], ids=lambda s: s.name)
def test_each_parser_notes_new_fields_and_keeps_every_record(source: Source) -> None:
    case, name, row = NEW_FIELD[source.name]
    payload = (ROOT / "sources" / source.name / "testcases" / case / "payload.json").read_bytes()
    bundle: Any = orjson.loads(payload)
    row(bundle)[name] = 1
    items = list(source.parse(orjson.dumps(bundle)))
    notices = [x for x in items if isinstance(x, Notice)]
    assert [n.key for n in notices] == [f"new_fields:{source.name}:{name}"]
    assert name in notices[0].message
    unchanged = list(source.parse(payload))
    assert not [x for x in unchanged if isinstance(x, Notice)]
    assert [x for x in items if not isinstance(x, Notice)] == unchanged
