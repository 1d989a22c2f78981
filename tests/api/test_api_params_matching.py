"""Filters match what people type: enums ignoring case, names ignoring case, accents and the
apostrophe's form, identifiers exactly; the one rule is :mod:`readlayer.matching`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from api_testkit import World, get

from readlayer.fields import Filter, matches
from readlayer.matching import NameQuery, enum_value, fold


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("gare de l'est", "Gare de l’Est"),
        ("GARE DE LʼEST", "Gare de l'Est"),
        ("gare de l´est", "Gare de l‘Est"),
        ("saint-germain-des-pres", "Saint-Germain-des-Prés"),
        ("Saint–Germain—des-Prés", "Saint-Germain-des-Prés"),  # typographic dashes
        ("  marché   saint-honoré ", "MARCHÉ SAINT-HONORÉ"),
        ("strasse", "Straße"),
        ("Pre\u0301-sature\u0301", "Pré-saturé"),  # decomposed accents
    ],
)
def test_names_fold_alike(typed: str, published: str) -> None:
    assert fold(typed) == fold(published)
    assert NameQuery(typed).matches(published)


@pytest.mark.parametrize(
    ("typed", "published"),
    [("gare de l est", "Gare de l'Est"), ("Gare de Lyon", "Gare de Lyon Bercy"), ("", "x")],
)
def test_different_names_stay_different(typed: str, published: str) -> None:
    assert not NameQuery(typed).matches(published)
    assert not NameQuery("x").matches(None)


def test_enums_ignore_case_only() -> None:
    states = ("Fluide", "Pré-saturé", "Saturé")
    assert enum_value("fluide", states) == "Fluide"
    assert enum_value("PRÉ-SATURÉ", states) == "Pré-saturé"
    assert enum_value("pre\u0301-sature\u0301", states) == "Pré-saturé"  # the same letters
    with pytest.raises(ValueError, match="case ignored"):
        enum_value("sature", states)


def test_a_filter_knows_names_from_identifiers() -> None:
    name = Filter(name="station", kind="string")
    ident = Filter(name="stop_area_id", kind="string")
    assert name.by_name and not ident.by_name
    assert not Filter(name="entity_id", kind="string").by_name
    wanted = {"station": name.convert("paris gare de l'est")}
    assert matches({"station": "Paris Gare de l’Est"}, wanted)
    assert not matches({"station": "Paris Gare du Nord"}, wanted)
    assert not matches({"stop_area_id": "stop_area:SNCF:1"}, {"stop_area_id": "STOP_AREA:sncf:1"})
    # a boolean filter never equals an integer field (True == 1 in Python)
    assert not matches({"capacity": 1}, {"capacity": True})


def ids(body: dict[str, Any]) -> list[str]:
    return [str(d["entity_id"]) for d in body["data"]]


@pytest.mark.parametrize("spelled", ["fluide", "FLUIDE", "Fluide"])
def test_traffic_state_ignores_case(api: Any, world: World, spelled: str) -> None:
    fluid = sorted(i for i, c in world.traffic.items() if c["traffic_state"] == "Fluide")
    for path in ("/traffic", "/datasets/traffic"):
        status, body, _ = get(api, f"{path}?traffic_state={spelled}")
        assert status == 200, body
        assert sorted(ids(body)) == fluid


def test_an_accented_state_in_another_case(api: Any) -> None:
    body = get(api, "/traffic?" + urlencode({"traffic_state": "SATURÉ"}, quote_via=quote))[1]
    assert sorted(ids(body)) == ["2203", "4243"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "saint-germain-des-pres"}, ["7"]),
        ({"name": "MARCHE SAINT-HONORE"}, ["11"]),
        ({"name": "bercy – lumiere"}, ["3"]),
        ({"name": "Bercy"}, []),  # equality, not a search
        ({"operator": "indigo"}, ["2", "7", "11"]),
        ({"zone": "PARIS 12E"}, ["1", "2", "3"]),
        ({"entity_id": "105"}, ["105"]),
    ],
)
def test_dataset_name_filters(api: Any, query: dict[str, str], expected: list[str]) -> None:
    status, body, _ = get(api, "/datasets/parking?" + urlencode(query, quote_via=quote))
    assert status == 200, body
    assert ids(body) == expected


def test_station_names_with_any_apostrophe(api: Any, world: World) -> None:
    east = [i for i, d in world.departures.items() if d["station"] == "Paris Gare de l'Est"]
    for typed in ("paris gare de l’est", "PARIS GARE DE LʼEST", "Paris Gare de l'Est"):
        path = "/datasets/departures?" + urlencode({"station": typed}, quote_via=quote)
        assert ids(get(api, path)[1]) == east, typed


def test_identifiers_match_exactly(api: Any, world: World) -> None:
    east = [
        i for i, d in world.departures.items() if d["stop_area_id"] == "stop_area:SNCF:87113001"
    ]
    assert ids(get(api, "/datasets/departures?stop_area_id=stop_area:SNCF:87113001")[1]) == east
    assert ids(get(api, "/datasets/departures?stop_area_id=STOP_AREA:SNCF:87113001")[1]) == []


def test_the_document_says_how_filters_match() -> None:
    from chalicelib.openapi import document

    doc = document()
    params = {p["name"]: p for p in doc["paths"]["/datasets/parking"]["get"]["parameters"]}
    assert "accents" in params["name"]["description"]
    assert "accents" not in params["entity_id"]["description"]
    traffic = {p["name"]: p for p in doc["paths"]["/traffic"]["get"]["parameters"]}
    assert "case ignored" in traffic["traffic_state"]["description"]
