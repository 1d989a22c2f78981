"""Exports: a bare JSON array, streamed in chunks, no row limit."""

from __future__ import annotations

import json
import time

from .helpers import TRAFFIC, Fetch

LAST = "2025-11-04T22:00:00"


def test_hour_export_is_a_streamed_bare_array_of_real_size(fetch: Fetch) -> None:
    started = time.monotonic()
    answer = fetch(f"{TRAFFIC}/exports/json", where=f"t_1h = date'{LAST}'")
    elapsed = time.monotonic() - started
    assert answer.status == 200
    assert answer.headers.get("Transfer-Encoding") == "chunked"
    rows = answer.json()
    assert isinstance(rows, list)
    assert len(rows) == 2977
    assert 1_400_000 < len(answer.body) < 2_000_000  # ~1.7 MB an hour with geometry
    assert elapsed < 2.0


def test_select_trims_an_export(fetch: Fetch) -> None:
    full = fetch(f"{TRAFFIC}/exports/json", where=f"t_1h = date'{LAST}'")
    slim = fetch(
        f"{TRAFFIC}/exports/json", where=f"t_1h = date'{LAST}'", select="iu_ac,t_1h,q,k,etat_trafic"
    )
    assert len(slim.json()) == 2977
    assert len(slim.body) * 3 < len(full.body)


def test_export_has_no_row_limit(fetch: Fetch) -> None:
    answer = fetch(
        f"{TRAFFIC}/exports/json", where="t_1h >= date'2025-11-04T18:00:00'", select="iu_ac,t_1h"
    )
    assert len(answer.json()) == 5 * 2977
    limited = fetch(f"{TRAFFIC}/exports/json", limit=5, select="iu_ac")
    assert len(limited.json()) == 5


def test_empty_export_and_aggregate_export(fetch: Fetch) -> None:
    assert fetch(f"{TRAFFIC}/exports/json", where="t_1h > date'2030-01-01'").json() == []
    last = fetch(f"{TRAFFIC}/exports/json", select="max(t_1h) as last").json()
    assert last == [{"last": f"{LAST}+00:00"}]


def test_other_export_formats_are_refused(fetch: Fetch) -> None:
    answer = fetch(f"{TRAFFIC}/exports/csv")
    assert answer.status == 400
    assert json.loads(answer.body)["error_code"] == "InvalidRESTParameterError"
