"""The typed source state: the stored JSON keeps its keys and shape, bad values never crash."""

from __future__ import annotations

from typing import Any

from collector.source_state import NOTICES_KEPT, RUN_FIELDS, SourceState

# As a daemon of the previous release stored it, plus a key from some newer one.
STORED: dict[str, Any] = {
    "plugin": {"watermark": "2025-01-01T00:00:00Z"},
    "data_freshness": "2025-01-01T00:00:00.000000Z",
    "notices": ["new_field:foo"],
    "last_run_at": "2025-01-01T00:05:00.000000Z",
    "last_status": "ok",
    "last_duration_s": 0.25,
    "breaker": "closed",
    "last_success_at": "2025-01-01T00:05:00.000000Z",
    "consecutive_failures": 0,
    "records_last_run": 3,
    "records_total": 42,
    "last_raw_key": "raw/parking/2025/01/01/000500.json.gz",
    "enabled": True,
    "disabled_reason": None,
    "written_by": "a newer daemon",
}


def test_a_stored_state_is_written_back_exactly() -> None:
    state = SourceState.from_stored(STORED)
    assert state.records_total == 42 and state.cursor == {"watermark": "2025-01-01T00:00:00Z"}
    assert state.to_stored() == STORED
    assert list(state.to_stored()) == list(STORED)  # key order too


def test_changes_keep_unknown_keys_and_the_old_key_names() -> None:
    state = SourceState.from_stored(STORED)
    state.records_total = state.total + 5
    state.move_cursor({"page": "2"})
    out = state.to_stored()
    assert out["records_total"] == 47
    assert out["plugin"] == {"watermark": "2025-01-01T00:00:00Z", "page": "2"}
    assert out["written_by"] == "a newer daemon"
    assert STORED["plugin"] == {"watermark": "2025-01-01T00:00:00Z"}  # the input untouched


def test_wrong_types_read_as_missing_and_stay_as_found_until_set() -> None:
    corrupt = {
        "consecutive_failures": "many",
        "records_total": True,
        "last_run_at": 5,
        "notices": "not a list",
        "plugin": ["not", "a", "map"],
        "enabled": "yes",
    }
    state = SourceState.from_stored(corrupt)
    assert state == SourceState()
    assert (state.failures, state.total, state.cursor, state.ran) == (0, 0, {}, False)
    assert state.to_stored() == corrupt
    state.consecutive_failures = state.failures + 1
    assert state.to_stored() == {**corrupt, "consecutive_failures": 1}


def test_the_switches_are_written_together() -> None:
    state = SourceState.from_stored({"disabled_reason": "no SNCF API token", "enabled": False})
    state.enabled, state.disabled_reason = True, None
    assert state.to_stored() == {"disabled_reason": None, "enabled": True}
    assert "disabled_reason" not in SourceState(records_total=1).to_stored()


def test_a_copy_shares_nothing_mutable() -> None:
    state = SourceState.from_stored(STORED)
    twin = state.copy()
    twin.move_cursor({"watermark": "later"})
    twin.remember({"other": "message"})
    assert state.cursor == {"watermark": "2025-01-01T00:00:00Z"}
    assert state.notices == ["new_field:foo"]
    assert twin == SourceState.from_stored(twin.to_stored())


def test_notices_are_new_once_and_capped() -> None:
    state = SourceState()
    assert state.remember({"b": "x", "a": "y"}) == ["a", "b"]
    assert state.remember({"a": "y"}) == []
    state.remember({f"n{i:04d}": "z" for i in range(NOTICES_KEPT + 10)})
    assert state.notices is not None and len(state.notices) == NOTICES_KEPT
    assert state.notices[-1] == f"n{NOTICES_KEPT + 9:04d}"
    assert SourceState().remember({}) == [] and "notices" not in SourceState().to_stored()


def test_the_run_fields_are_model_fields() -> None:
    state = SourceState.from_stored(STORED)
    assert {name: getattr(state, name) for name in RUN_FIELDS} == {
        name: STORED[name] for name in RUN_FIELDS if name in STORED
    } | {"last_error": None, "last_error_at": None}
