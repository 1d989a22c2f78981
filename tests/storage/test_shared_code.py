"""The code both backends share (that neither imports the other is `.importlinter`'s):
newest-first pages and their tokens, and gold part reading."""

from __future__ import annotations

from typing import Any

import pytest

from collector.storage import dynamo_gold
from collector.storage.base import BadCursor, GoldPoint, StorageError, decode_cursor
from collector.storage.paging import newest_first_page, resume_until, step_back


def stamps(count: int) -> list[str]:
    return [f"2025-01-01T00:00:{second:02d}.000000Z" for second in range(count, 0, -1)]


def test_a_page_token_resumes_strictly_below_the_last_item() -> None:
    found = [({"at": t}, t) for t in stamps(4)]
    page = newest_first_page(found[:3], 2)
    assert [i["at"] for i in page.items] == stamps(4)[:2] and page.next is not None
    before = resume_until("~", page.next)
    assert before == decode_cursor(page.next)["before"]
    last = stamps(4)[1]
    assert before < last and all(t <= before for t in stamps(4)[2:])
    assert newest_first_page(found[:2], 2).next is None


def test_step_back_sorts_right_below() -> None:
    for stamp in [*stamps(3), "2025-01-01T00:00:10.000000Z", "a"]:
        assert step_back(stamp) < stamp


def test_paging_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        newest_first_page([], 0)
    with pytest.raises(BadCursor):
        resume_until("~", "not a token!")
    assert resume_until("2025", None) == "2025"


def _split_point() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    big = {"rows": [f"{i:08d}" * 8 for i in range(10_000)]}  # over the inline limit
    point = GoldPoint("agg", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z", "t", big)
    main, parts = dynamo_gold.gold_items(point, expires_at=1)
    assert len(parts) >= 1
    return main, parts


def _drive(steps: Any, answers: list[Any]) -> tuple[list[str], Any]:
    asked: list[str] = []
    answer: Any = None
    try:
        while True:
            kind, _request = steps.send(answer)
            asked.append(kind)
            answer = answers.pop(0)
    except StopIteration as done:
        return asked, done.value


def test_gold_parts_are_read_again_while_a_rewrite_is_under_way() -> None:
    main, parts = _split_point()
    torn = parts[:-1]  # the daemon has not written the last part yet
    asked, point = _drive(
        dynamo_gold.read_point("gold", "agg", main), [torn, {"Item": main}, parts]
    )
    assert asked == ["query", "get", "query"]
    assert len(point.data["rows"]) == 10_000 and point.window_end == "2025-01-01T01:00:00Z"


def test_gold_parts_that_never_match_are_an_error() -> None:
    main, parts = _split_point()
    answers = [parts[:-1], {"Item": main}] * dynamo_gold.READ_ATTEMPTS
    with pytest.raises(StorageError, match="parts do not match"):
        _drive(dynamo_gold.read_point("gold", "agg", main), answers)


def test_a_damaged_lease_item_is_a_storage_error_not_a_crash() -> None:
    from collector.storage.base import StorageError
    from collector.storage.dynamo_items import lease_from_item

    whole = {
        "pk": {"S": "lease#source:traffic"},
        "name": {"S": "source:traffic"},
        "holder": {"S": "host:1"},
        "acquired_at": {"S": "2026-12-02T07:00:00Z"},
        "renewed_at": {"S": "2026-12-02T07:00:00Z"},
        "expires_ms": {"N": "1796194800000"},
    }
    assert lease_from_item(whole).holder == "host:1"
    for damaged in (
        {k: v for k, v in whole.items() if k != "expires_ms"},
        {**whole, "expires_ms": {"N": "soon"}},
    ):
        with pytest.raises(StorageError, match="malformed lease item"):
            lease_from_item(damaged)
