"""Listing every page: a record that offset paging shifts onto the next page (another record was
created meanwhile) is listed once; a page of nothing new is a server going round in circles."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lfsync.api.client import LightfieldClient
from lfsync.api.records import UnexpectedAnswer
from lfsync.kinds.catalogue import ACCOUNT


def record(number: int) -> dict:
    return {"id": f"acc_n{number}", "fields": {"$name": {"value": f"Account {number}"}}, "relationships": {}}


def listed(pages: dict[int, list[int]]) -> list[str]:
    def server(request: httpx.Request) -> httpx.Response:
        offset = int(parse_qs(urlsplit(str(request.url)).query).get("offset", ["0"])[0])
        numbers = pages.get(offset, [])
        return httpx.Response(200, json={"object": "list", "data": [record(n) for n in numbers], "totalCount": 29})

    async def scenario() -> list[str]:
        async with LightfieldClient("http://api", "sk_lf_test", transport=httpx.MockTransport(server)) as client:
            return [found.id for found in await client.list_records(ACCOUNT, status="active")]

    return asyncio.run(scenario())


def test_a_record_shifted_onto_the_next_page_is_listed_once():
    ids = listed({0: list(range(25)), 25: [24, 25, 26, 27, 28]})
    assert ids == [f"acc_n{n}" for n in range(29)]


def test_a_page_of_records_all_listed_already_is_an_error_naming_the_endpoint():
    with pytest.raises(UnexpectedAnswer, match=r"GET /v1/accounts .*page at offset 25 repeats 'acc_n0' and every other record"):
        listed({0: list(range(25)), 25: list(range(25)), 50: []})
