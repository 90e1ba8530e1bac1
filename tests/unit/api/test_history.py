"""A field-history answer parsed and bounded: the documented shape is read into typed entries;
anything else is an UnexpectedAnswer naming the endpoint."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lfsync.api.history import MAX_CURSOR_LENGTH, parse_history_page
from lfsync.api.records import UnexpectedAnswer

ENDPOINT = "GET /v1/accounts/acc_1/fields/tier/history"


def entry(recorded_at: str = "2026-03-01T10:00:00.000Z", **extra) -> dict:
    return {"value": "opt_1", "valueType": "SINGLE_SELECT", "displayValue": "smb", "recordedAt": recorded_at,
            "isCreate": False, **extra}


def test_the_documented_page_is_read_into_entries() -> None:
    page = parse_history_page(
        {"data": [entry("2026-03-02T10:00:00.000Z"), entry(isCreate=True, value=None)], "hasMore": True,
         "nextCursor": "v2"},
        ENDPOINT, limit=2,
    )
    assert page.has_more is True and page.next_cursor == "v2"
    assert [e.recorded_at for e in page.entries] == [
        datetime(2026, 3, 2, 10, tzinfo=timezone.utc), datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    ]
    assert page.entries[1].is_create is True and page.entries[1].value is None
    assert page.newest is page.entries[0]


def test_the_newest_entry_is_found_by_its_time_whatever_the_order() -> None:
    page = parse_history_page({"data": [entry("2026-01-01T00:00:00Z"), entry("2026-02-01T00:00:00+01:00")]}, ENDPOINT, 5)
    assert page.newest is page.entries[1]
    assert parse_history_page({"data": [], "hasMore": False, "nextCursor": None}, ENDPOINT, 1).newest is None


@pytest.mark.parametrize(
    ("wire", "what"),
    [
        ([], "not an object"),
        ({"data": {}}, "`data` is not a list"),
        ({}, "`data` is not a list"),
        ({"data": [entry(), entry()]}, "2 history entries for a limit of 1"),
        ({"data": ["x"]}, "data[0] is not a history entry"),
        ({"data": [entry(recordedAt="yesterday")]}, "data[0].recordedAt is not an ISO 8601 time"),
        ({"data": [entry(recordedAt=None)]}, "data[0].recordedAt"),
        ({"data": [entry(recordedAt="2026-03-01T10:00:00Z" + " " * 40)]}, "data[0].recordedAt"),
        ({"data": [], "hasMore": "yes"}, "`hasMore` is not true or false"),
        ({"data": [], "nextCursor": 7}, "`nextCursor` is not a cursor"),
        ({"data": [], "nextCursor": "c" * (MAX_CURSOR_LENGTH + 1)}, "`nextCursor` is not a cursor"),
        ({"data": [], "hasMore": True, "nextCursor": None}, "without a `nextCursor`"),
    ],
)
def test_answers_in_no_documented_shape_are_refused(wire, what: str) -> None:
    with pytest.raises(UnexpectedAnswer) as refused:
        parse_history_page(wire, ENDPOINT, limit=1)
    assert what in str(refused.value) and ENDPOINT in str(refused.value)
