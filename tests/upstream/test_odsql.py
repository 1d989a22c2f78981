"""The ODSQL subset: parsing, evaluation, errors, partition pruning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from replay_upstream.odsql import ODSQLError, parse_where, relax
from replay_upstream.predicate import compile_where

KINDS = {
    "t_1h": "datetime",
    "q": "double",
    "k": "double",
    "libelle": "text",
    "iu_ac": "text",
    "date_debut": "date",
    "geo_shape": "geo_shape",
}
ROW: dict[str, Any] = {
    "t_1h": datetime(2025, 11, 4, 22, tzinfo=UTC),
    "q": None,
    "k": 29.4,
    "libelle": "AE_A4_bretelle_11",
    "iu_ac": "5462",
    "date_debut": "1996-11-07",
    "geo_shape": None,
}


def holds(where: str, row: dict[str, Any] = ROW, tz: Any = UTC) -> bool:
    return compile_where(parse_where(where), KINDS, tz)(row)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("t_1h = date'2025-11-04T22:00:00'", True),
        ("t_1h = date'2025-11-04T22:00:00+00:00'", True),
        ("t_1h = date'2025-11-04T23:00:00+01:00'", True),
        ("t_1h = date'2025-11-04T21:00:00Z'", False),
        ("t_1h > date'2025-11-04T21:00:00'", True),
        ("t_1h >= date'2025-11-04T22:00:00'", True),
        ("t_1h < date'2025-11-04T22:00:00'", False),
        ("t_1h <= date'2025-11-04T22:00:00'", True),
        ("t_1h != date'2025-11-04T22:00:00'", False),
        ("k > 29", True),
        ("k >= 29.4 and k <= 29.4", True),
        ("k < 15", False),
        ("30 > k", True),
        ("q > 0", False),  # null never compares
        ("q != 0", False),
        ("q is null", True),
        ("q is not null", False),
        ("k is not null AND q IS NULL", True),
        ("libelle = 'AE_A4_bretelle_11'", True),
        ('libelle = "AE_A4_bretelle_11"', True),
        ("iu_ac = 5462", True),
        ("iu_ac = '5462' and (k < 10 or k > 20)", True),
        ("iu_ac = '5462' and k < 10 or k > 20", True),
        ("iu_ac = '1' and (k < 10 or k > 20)", False),
        ("not k > 20", False),
        ("date_debut = date'1996-11-07'", True),
        ("date_debut < date'2000-01-01T00:00:00'", True),
        ("`libelle` = 'AE_A4_bretelle_11'", True),
        ("'bretelle'", True),
        ("'périphérique'", False),
        ("", True),
    ],
)
def test_where(where: str, expected: bool) -> None:
    assert holds(where) is expected


def test_naive_date_literals_follow_the_timezone_parameter() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert holds("t_1h = date'2025-11-04T23:00:00'", tz=paris)
    assert not holds("t_1h = date'2025-11-04T22:00:00'", tz=paris)


@pytest.mark.parametrize(
    "where",
    [
        "k >",
        "k >> 2",
        "(k > 2",
        "k > 2)",
        "k > 2 and",
        "t_1h = date'yesterday'",
        "k = 'abc'",
        "unknown_field = 1",
        "geo_shape = 1",
        "k > 2 ; drop table",
        "k between 1 and 2",
        "t_1h = 'not a date'",
    ],
)
def test_unparsable_where_is_an_odsql_error(where: str) -> None:
    with pytest.raises(ODSQLError, match="ODSQL query is malformed"):
        compile_where(parse_where(where), KINDS, UTC)


def test_relax_keeps_only_partition_conditions() -> None:
    node = parse_where("t_1h = date'2025-11-04T22:00:00' and k > 10 or iu_ac = '*'")
    loose = compile_where(relax(node, "t_1h"), KINDS, UTC)
    # The or-branch on iu_ac may match any hour: nothing can be pruned.
    assert loose({"t_1h": datetime(2025, 1, 1, tzinfo=UTC)})
    node = parse_where("t_1h > date'2025-11-04T21:00:00' and not (k > 10)")
    loose = compile_where(relax(node, "t_1h"), KINDS, UTC)
    assert loose({"t_1h": datetime(2025, 11, 4, 22, tzinfo=UTC)})
    assert not loose({"t_1h": datetime(2025, 11, 4, 20, tzinfo=UTC)})
    assert not loose({"t_1h": None})
