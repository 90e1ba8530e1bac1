"""The server's clock as the client keeps it: Date headers read strictly and bounded, advanced by a
monotonic clock; records' stamps, then the runner's clock, as fallbacks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lfsync.api.serverclock import ServerClock, parse_imf_fixdate, record_times

SERVER = datetime(2026, 12, 7, 12, 0, 0, tzinfo=timezone.utc)
DATE = "Mon, 07 Dec 2026 12:00:00 GMT"


class Ticks:
    """A monotonic clock a test moves."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def clock(runner_offset: timedelta = timedelta(hours=1)) -> tuple[ServerClock, Ticks]:
    """A ServerClock whose runner is `runner_offset` off the server's SERVER (an hour fast by default)."""
    ticks = Ticks()
    local = (SERVER + runner_offset).timestamp()
    return ServerClock(local=lambda: local + ticks.value - 1000.0, monotonic=ticks), ticks


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        (DATE, SERVER),
        ("Sun, 06 Nov 1994 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)),  # RFC 9110's example
        ("Tue, 07 Dec 2026 12:00:00 GMT", None),  # the wrong weekday
        ("Sunday, 06-Nov-94 08:49:37 GMT", None),  # RFC 850: obsolete, never generated
        ("Sun Nov  6 08:49:37 1994", None),  # asctime: obsolete
        ("Mon, 07 Dec 2026 12:00:00 +0000", None),  # not GMT
        ("Mon, 30 Feb 2026 12:00:00 GMT", None),  # no such day
        ("Mon, 07 Dec 2026 24:00:00 GMT", None),
        ("mon, 07 dec 2026 12:00:00 gmt", None),
        (" Mon, 07 Dec 2026 12:00:00 GMT", None),
        ("Mon, 07 Dec 2026 12:00:00 GMT" + "0" * 10_000, None),
        ("", None),
        (None, None),
    ],
)
def test_an_http_date_is_read_only_in_the_form_a_server_generates(text, moment):
    assert parse_imf_fixdate(text) == moment


def test_server_now_is_the_last_date_plus_the_monotonic_time_since_whatever_the_runners_clock_says():
    server, ticks = clock(timedelta(hours=1))
    assert server.now().source == "local"  # nothing heard yet
    assert server.observe(DATE) == SERVER
    ticks.value += 90.5
    now = server.now()
    assert now.source == "date" and now.from_server
    assert now.moment == SERVER + timedelta(seconds=90.5)
    assert now.iso() == "2026-12-07T12:01:30.500+00:00"


@pytest.mark.parametrize(
    "date",
    [
        "Sat, 01 Jan 2000 00:00:00 GMT",  # before any server of this API
        "Mon, 01 Jan 2300 00:00:00 GMT",  # far off
        "Fri, 08 Jan 2027 12:00:00 GMT",  # 32 days from the runner's clock: broken or hostile, not skewed
        "Mon, 07 Dec 2026 12:00:00 UTC",
        "tomorrow",
    ],
)
def test_an_absurd_or_unreadable_date_is_ignored(date):
    server, _ = clock()
    assert server.observe(date) is None
    assert server.now().source == "local"
    server.observe(DATE)
    server.observe(date)  # nor does it replace a good one
    assert server.now().moment == SERVER


def test_without_a_date_the_newest_record_stamp_stands_in_and_a_date_wins_once_heard():
    server, ticks = clock(timedelta(hours=-1))
    page = {"data": [
        {"createdAt": "2026-12-07T11:00:00.000Z", "updatedAt": "2026-12-07T11:58:00.000Z"},
        {"createdAt": "2026-12-07T11:30:00.000Z", "updatedAt": "not a time"},
        {"createdAt": "2099-01-01T00:00:00.000Z"},  # absurd: ignored
        "not a record",
    ]}
    server.observe(None, page)
    ticks.value += 10
    assert server.now().source == "records"
    assert server.now().moment == datetime(2026, 12, 7, 11, 58, 10, tzinfo=timezone.utc)  # a lower bound
    server.observe(None, {"createdAt": "2026-12-07T11:00:00Z", "updatedAt": "2026-12-07T11:00:00Z"})
    assert server.now().moment == datetime(2026, 12, 7, 11, 58, 10, tzinfo=timezone.utc)  # older stamps change nothing
    server.observe(DATE, {"updatedAt": "2026-12-07T12:30:00Z"})
    assert server.now().source == "date" and server.now().moment == SERVER


def test_record_times_reads_a_record_or_a_list_page():
    assert list(record_times({"createdAt": "a", "updatedAt": "b", "id": "c"})) == ["a", "b"]
    assert list(record_times({"data": [{"createdAt": "a"}, {"updatedAt": 5}, None]})) == ["a"]
    assert list(record_times([{"createdAt": "a"}])) == []
    assert list(record_times(None)) == []
