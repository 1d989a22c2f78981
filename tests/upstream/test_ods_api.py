"""Explore v2.1 emulation: records paging, limits, errors, select, order_by, metadata."""

from __future__ import annotations

import pytest

from .helpers import ODS, TRAFFIC, Fetch

LAST = "2025-11-04T22:00:00"


def test_records_default_page_and_shape(fetch: Fetch) -> None:
    answer = fetch(f"{TRAFFIC}/records")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"total_count", "results"}
    assert len(body["results"]) == 10
    assert body["total_count"] == 48 * 2977 + 1  # 48 published hours and the phantom row


def test_records_limit_and_offset(fetch: Fetch) -> None:
    where = f"t_1h = date'{LAST}'"
    first = fetch(f"{TRAFFIC}/records", where=where, limit=100).json()
    assert first["total_count"] == 2977
    assert len(first["results"]) == 100
    second = fetch(f"{TRAFFIC}/records", where=where, limit=100, offset=100).json()
    ids = {r["iu_ac"] for r in first["results"]} | {r["iu_ac"] for r in second["results"]}
    assert len(ids) == 200
    tail = fetch(f"{TRAFFIC}/records", where=where, limit=100, offset=2950).json()
    assert len(tail["results"]) == 27


def test_records_limit_above_100_is_refused(fetch: Fetch) -> None:
    answer = fetch(f"{TRAFFIC}/records", limit=101)
    assert answer.status == 400
    assert answer.json()["error_code"] == "InvalidRESTParameterError"
    assert "limit" in answer.json()["message"]


def test_records_window_beyond_10000_is_refused_with_the_real_body(fetch: Fetch) -> None:
    answer = fetch(f"{TRAFFIC}/records", limit=100, offset=9901)
    assert answer.status == 400
    assert answer.json() == {
        "message": "Invalid value for sum of offset + limit API parameter: 10001 was found "
        "but <= 10000 is expected.",
        "error_code": "InvalidRESTParameterError",
    }
    assert fetch(f"{TRAFFIC}/records", limit=100, offset=9900).status == 200


def test_bad_integer_parameter(fetch: Fetch) -> None:
    answer = fetch(f"{TRAFFIC}/records", limit="ten")
    assert answer.status == 400
    assert answer.json()["error_code"] == "InvalidRESTParameterError"


@pytest.mark.parametrize("where", ["k >", "nope = 1", "t_1h = date'x'", "k > 1 and or"])
def test_unparsable_where_is_400_odsql_error(fetch: Fetch, where: str) -> None:
    answer = fetch(f"{TRAFFIC}/records", where=where)
    assert answer.status == 400
    body = answer.json()
    assert body["error_code"] == "ODSQLError"
    assert body["message"].startswith("ODSQL query is malformed")


def test_unknown_dataset_is_404_ods_shaped(fetch: Fetch) -> None:
    for path in ("", "/records", "/exports/json"):
        answer = fetch(f"{ODS}/no-such-dataset{path}")
        assert answer.status == 404
        assert set(answer.json()) == {"message", "error_code"}


def test_select_max_t_1h_is_the_cheap_change_detector(fetch: Fetch) -> None:
    body = fetch(f"{TRAFFIC}/records", select="max(t_1h) as last").json()
    assert body == {"total_count": 1, "results": [{"last": f"{LAST}+00:00"}]}
    paris = fetch(f"{TRAFFIC}/records", select="max(t_1h) as last", timezone="Europe/Paris")
    assert paris.json()["results"] == [{"last": "2025-11-04T23:00:00+01:00"}]


def test_aggregates(fetch: Fetch) -> None:
    body = fetch(
        f"{TRAFFIC}/records",
        select="min(t_1h) as first, count(*) as n, max(k) as kmax",
        where=f"t_1h >= date'{LAST}'",
    ).json()
    row = body["results"][0]
    assert row["first"] == f"{LAST}+00:00"
    assert row["n"] == 2977
    assert 30 < row["kmax"] <= 96
    unnamed = fetch(f"{TRAFFIC}/records", select="count(*)").json()
    assert unnamed["results"] == [{"count(*)": 48 * 2977 + 1}]
    mixed = fetch(f"{TRAFFIC}/records", select="iu_ac, max(k)")
    assert mixed.status == 400


def test_select_fields_aliases_and_exclude(fetch: Fetch) -> None:
    where = f"t_1h = date'{LAST}'"
    body = fetch(f"{TRAFFIC}/records", select="iu_ac as id, t_1h, q", where=where).json()
    assert list(body["results"][0]) == ["id", "t_1h", "q"]
    body = fetch(
        f"{TRAFFIC}/records", select="exclude(geo_shape), exclude(geo_point_2d)", where=where
    ).json()
    assert "geo_shape" not in body["results"][0]
    assert "libelle" in body["results"][0]
    assert fetch(f"{TRAFFIC}/records", select="nope").status == 400


def test_timezone_renders_datetimes(fetch: Fetch) -> None:
    row = fetch(f"{TRAFFIC}/records", where=f"t_1h = date'{LAST}'", limit=1).json()
    assert row["results"][0]["t_1h"] == "2025-11-04T22:00:00+00:00"
    row = fetch(
        f"{TRAFFIC}/records", where=f"t_1h = date'{LAST}+00:00'", limit=1, timezone="Europe/Paris"
    ).json()
    assert row["results"][0]["t_1h"] == "2025-11-04T23:00:00+01:00"
    # A literal without offset is read in the request's timezone.
    row = fetch(
        f"{TRAFFIC}/records", where=f"t_1h = date'{LAST}'", limit=1, timezone="Europe/Paris"
    ).json()
    assert row["results"][0]["t_1h"] == "2025-11-04T22:00:00+01:00"
    assert fetch(f"{TRAFFIC}/records", timezone="Mars/Olympus").status == 400


def test_order_by(fetch: Fetch) -> None:
    where = f"t_1h = date'{LAST}' and k is not null"
    body = fetch(f"{TRAFFIC}/records", where=where, order_by="k desc", limit=20).json()
    values = [r["k"] for r in body["results"]]
    assert values == sorted(values, reverse=True)
    body = fetch(
        f"{TRAFFIC}/records", where=f"t_1h = date'{LAST}'", order_by="q", limit=100, offset=2900
    ).json()
    assert all(r["q"] is None for r in body["results"])  # nulls last
    assert fetch(f"{TRAFFIC}/records", order_by="k sideways").status == 400


def test_refine_and_exclude_facets(fetch: Fetch) -> None:
    where = f"t_1h = date'{LAST}'"
    closed = fetch(f"{TRAFFIC}/records", where=where, refine="etat_barre:Barré").json()
    others = fetch(f"{TRAFFIC}/records", where=where, exclude="etat_barre:Barré").json()
    assert closed["total_count"] > 0
    assert closed["total_count"] + others["total_count"] == 2977


def test_dataset_metadata(fetch: Fetch) -> None:
    body = fetch(TRAFFIC).json()
    assert body["dataset_id"] == "comptages-routiers-permanents"
    assert body["metas"]["default"]["data_processed"].startswith("2025-11-04T22:07:00")
    assert body["metas"]["default"]["records_count"] == 48 * 2977 + 1
    assert {f["name"] for f in body["fields"]} >= {"iu_ac", "t_1h", "q", "k", "geo_shape"}
    catalog = fetch(ODS).json()
    assert {d["dataset_id"] for d in catalog["results"]} == {
        "comptages-routiers-permanents",
        "stationnement-en-ouvrage",
        "places-disponibles-parkings-saemes",
        "referentiel-parkings-saemes",
    }


def test_apikey_is_accepted(fetch: Fetch) -> None:
    assert fetch(f"{TRAFFIC}/records", apikey="abc").status == 200
    assert fetch(f"{TRAFFIC}/records", headers={"Authorization": "Apikey abc"}).status == 200
