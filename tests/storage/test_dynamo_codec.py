"""The DynamoDB value codec, S3 metadata encoding and gold splitting, without a server."""

from __future__ import annotations

import enum
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
from boto3.dynamodb.types import TypeDeserializer

from collector.storage import dynamo_gold
from collector.storage.aws_meta import decode_meta, encode_meta
from collector.storage.base import GoldPoint
from collector.storage.dynamo_codec import decode, decode_item, encode, encode_item

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -17,
    2**63,
    0.1,
    -2.5e-9,
    1e300,
    "",
    "Châtelet ✓",
    [],
    {},
    [1, "a", None, [True, {"k": 1.5}]],
    {"a": {"b": {"c": [0.25, "", None]}}, "": "empty key"},
]


@pytest.mark.parametrize("value", VALUES)
def test_values_round_trip(value: Any) -> None:
    assert decode(encode(value)) == value


def test_types_stay_distinct() -> None:
    assert encode(True) == {"BOOL": True}
    assert encode(1) == {"N": "1"}
    assert type(decode(encode(1))) is int
    assert type(decode(encode(1.5))) is float
    assert encode(1e16) == {"N": "1E+16"}  # DynamoDB's exponent form


def test_matches_boto3_deserializer() -> None:
    """boto3's own deserializer reads what the codec writes (as Decimals)."""
    value = {"n": 3, "f": 0.5, "s": "x", "l": [None, False], "m": {"e": ""}}
    read = TypeDeserializer().deserialize(encode(value))
    assert read == {"n": 3, "f": Decimal("0.5"), "s": "x", "l": [None, False], "m": {"e": ""}}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), Decimal("NaN")])
def test_non_finite_numbers_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="cannot store"):
        encode({"speed": [bad]})


def test_map_keys_must_be_strings() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        encode({1: "one"})


class Colour(enum.Enum):
    RED = "red"


@dataclass
class Point:
    x: int


def test_other_types_are_stored_as_orjson_stores_them() -> None:
    moment = datetime(2025, 11, 4, 19, 0, tzinfo=UTC)
    ident = uuid.UUID(int=5)
    value = {"at": moment, "id": ident, "colour": Colour.RED, "p": Point(3), "t": (1, 2)}
    assert decode(encode(value)) == orjson.loads(orjson.dumps(value))
    assert decode(encode(Decimal("1.25"))) == 1.25
    assert decode(encode(b"\x00\x01")) == b"\x00\x01"


def test_items_round_trip() -> None:
    values = {"pk": "a#b", "count": 3, "data": {"x": [1, 2]}}
    assert decode_item(encode_item(values)) == values


@pytest.mark.parametrize(
    "value",
    ["200", "https://x/?q=a b", "Châtelet", " padded", "tab\there", "", "=?UTF-8?B?eA==?="],
)
def test_s3_metadata_survives_any_value(value: str) -> None:
    sent = encode_meta({"Note": value})
    assert all(v.isascii() and v.isprintable() and v == v.strip() and v for v in sent.values())
    assert decode_meta(sent) == {"note": value}


def test_plain_metadata_is_left_readable() -> None:
    assert encode_meta({"status": "200"}) == {"status": "200"}


def test_gold_small_results_stay_inline() -> None:
    point = GoldPoint("agg", "2025-11-04T18:00:00Z", "2025-11-04T19:00:00Z", "now", {"n": 1})
    main, parts = dynamo_gold.gold_items(point, 10)
    assert parts == []
    assert main["data"] == {"M": {"n": {"N": "1"}}}
    assert dynamo_gold.gold_point("agg", main) == point


def test_gold_large_results_split_and_reassemble_in_any_order() -> None:
    rng = random.Random(3)
    data = {"cells": [rng.getrandbits(64) for _ in range(120_000)]}
    point = GoldPoint("agg", "2025-11-04T18:00:00Z", "2025-11-04T19:00:00Z", "now", data)
    main, parts = dynamo_gold.gold_items(point, 10)
    assert "data" not in main
    assert len(parts) == dynamo_gold.part_count(main) > 1
    assert all(len(p["chunk"]["B"]) <= dynamo_gold.PART_BYTES for p in parts)
    assert all(p["expires_at"] == {"N": "10"} for p in parts)
    shuffled = parts[::-1]
    assert dynamo_gold.gold_point("agg", main, shuffled) == point
    # Parts from another version of the point (a rewrite in progress) are not accepted.
    assert dynamo_gold.gold_point("agg", main, parts[:-1]) is None
    tampered = [*parts[:-1], {**parts[-1], "chunk": {"B": b"other"}}]
    assert dynamo_gold.gold_point("agg", main, tampered) is None
