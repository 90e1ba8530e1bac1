"""The client reads every form Lightfield's docs show: both error shapes, the in-flight 409 by
`type` or `code`, 408, `Retry-After` as seconds or an HTTP date, a `totalCount` that is not stable
across pages; and refuses a malformed key."""

from __future__ import annotations

import asyncio
import json
import time
from email.utils import formatdate

import httpx
import pytest

from lfsync.api.client import (
    LIST_PAGE_SIZE,
    ApiError,
    LightfieldClient,
    RetryPolicy,
    check_api_key,
    error_from,
    retry_after_seconds,
    with_retries,
)
from lfsync.api.records import ApiRecord
from lfsync.emulator import EmulatorConfig, create_app
from lfsync.emulator.decisions import DOCS_LITERAL_IN_FLIGHT_BODY
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import ACCOUNT

NOW = 1_795_000_000.0


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers, request=httpx.Request("POST", "http://api/v1/accounts"))


def test_the_docs_in_flight_409_is_retryable():
    error = error_from(answer(409, DOCS_LITERAL_IN_FLIGHT_BODY))
    assert (error.status, error.type, error.code, error.param) == (409, "idempotency_conflict", None, None)
    assert error.message == DOCS_LITERAL_IN_FLIGHT_BODY["message"]
    assert error.in_flight and error.retryable


def test_the_wrapped_in_flight_409_is_retryable_and_other_409s_are_not():
    wrapped = {"error": {"type": "conflict", "message": "m", "code": "idempotency_conflict", "param": "Idempotency-Key"}}
    error = error_from(answer(409, wrapped))
    assert (error.type, error.code, error.param) == ("conflict", "idempotency_conflict", "Idempotency-Key")
    assert error.in_flight and error.retryable
    other = error_from(answer(409, {"type": "conflict", "message": "something else"}))
    assert not other.in_flight and not other.retryable


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"type": "bad_request", "message": "No.", "code": "invalid_type", "param": "fields.tier"}},
        {"type": "bad_request", "message": "No.", "code": "invalid_type", "param": "fields.tier"},
    ],
    ids=["errors-page-wrapped", "spec-top-level"],
)
def test_both_documented_error_shapes_read_the_same(body):
    error = error_from(answer(400, body))
    assert (error.status, error.type, error.code, error.param, error.message) == (
        400, "bad_request", "invalid_type", "fields.tier", "No.")
    assert str(error) == "HTTP 400 invalid_type (fields.tier): No."


@pytest.mark.parametrize("body", [[], "oops", {"error": "oops"}, {"error": {"message": 42}}, {}])
def test_an_unreadable_error_body_falls_back_to_the_status(body):
    error = error_from(answer(502, body))
    assert error.status == 502 and error.message == "Bad Gateway" and error.code is None and error.retryable


@pytest.mark.parametrize(("status", "retryable"), [(408, True), (429, True), (504, True), (400, False), (404, False)])
def test_408_is_retryable_like_429_and_5xx(status, retryable):
    assert error_from(answer(status, {"type": "x", "message": "y"})).retryable is retryable


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        (formatdate(NOW + 12, usegmt=True), 12.0),  # "Fri, 19 Nov 2026 ... GMT"
        (formatdate(NOW - 60, usegmt=True), 0.0),  # already past: retry now
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0.0),  # RFC 850 form
        (time.asctime(time.gmtime(NOW + 30)), 30.0),  # asctime form, GMT without saying so
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value, seconds):
    assert retry_after_seconds(value, now=lambda: NOW) == seconds


def test_with_retries_waits_out_a_dated_retry_after_without_sleeping():
    slept: list[float] = []
    answers = iter([ApiError(429, "slow down", retry_after=retry_after_seconds(formatdate(NOW + 9, usegmt=True),
                                                                                  now=lambda: NOW))])

    async def send() -> str:
        for error in answers:
            raise error
        return "done"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    assert asyncio.run(with_retries(send, RetryPolicy(), sleep=sleep)) == "done"
    assert len(slept) == 1 and 9.0 <= slept[0] <= 9.25


def test_an_in_flight_409_is_waited_out_not_retried_at_once():
    policy = RetryPolicy(base_delay=0.25)
    conflict = ApiError(409, "busy", type="idempotency_conflict")
    for attempt in range(4):
        ceiling = policy.base_delay * 2**attempt
        assert all(ceiling / 2 <= policy.backoff(attempt, conflict) <= ceiling for _ in range(50))


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("sk_lf_canary_key\n", "ends in a line break"),
        ("sk_lf_canary_key\r\n", "ends in a line break"),
        ("sk_lf_canary_kéy", "the character U+00E9 at position 15"),
        ("sk_lf_canary key", "a space at position 13"),
        ("sk_lf_canary\tkey", "the character U+0009 at position 13"),
    ],
)
def test_a_malformed_api_key_is_refused_by_name_of_the_problem_never_echoed(key, problem):
    with pytest.raises(LfsyncError) as refused:
        check_api_key(key)
    assert problem in str(refused.value) and "canary" not in str(refused.value)
    with pytest.raises(LfsyncError):
        LightfieldClient("http://127.0.0.1:9", key)


def test_a_printable_ascii_key_is_accepted():
    check_api_key("sk_lf_AbC-123_xyz.~")


class TotalsAsReadSoFar(httpx.AsyncBaseTransport):
    """The in-process emulator, with each account list's `totalCount` rewritten to the records read
    so far: a total that changes from page to page, which the docs allow."""

    def __init__(self, app) -> None:
        self.emulator = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.emulator.handle_async_request(request)
        if request.method != "GET" or request.url.path != "/v1/accounts":
            return response
        page = json.loads(await response.aread())
        page["totalCount"] = int(request.url.params["offset"]) + len(page["data"])
        headers = [(name, value) for name, value in response.headers.multi_items() if name.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=json.dumps(page).encode())


@pytest.mark.parametrize("count", [LIST_PAGE_SIZE * 2 + 10, LIST_PAGE_SIZE * 2])
def test_list_all_pages_until_a_short_page_whatever_total_count_says(count):
    app = create_app(EmulatorConfig(write_rate=1000, read_rate=1000, search_rate=1000))
    progress: list[tuple[int, int]] = []

    async def run() -> tuple[list[ApiRecord], set[str]]:
        async with LightfieldClient("http://emulator", "sk_lf_local_dev", transport=TotalsAsReadSoFar(app)) as client:
            created = set()
            for number in range(count):
                created.add((await client.create(ACCOUNT, {"fields": {"$name": f"Paged {number}"}}, f"paged-{number}")).record.id)
            return await client.list_records(ACCOUNT, on_page=lambda read, total: progress.append((read, total))), created

    listed, created = asyncio.run(run())
    assert {record.id for record in listed} == created and len(listed) == count
    assert progress[-1] == (count, count) and all(read <= total for read, total in progress)
