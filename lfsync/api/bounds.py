"""How long and how much lfsync takes from the API: `Bounds` (a total deadline per request, a cap
on an answer's body, the longest `Retry-After` followed) and `read_bounded`, which reads a streamed
answer within them. httpx's timeouts are per read, so a server sending a byte every few seconds
would never trip them: the deadline covers the whole exchange."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

MIB = 1 << 20


@dataclass(frozen=True)
class Bounds:
    deadline: float = 60.0  # seconds for one request, from sending to the answer's last byte
    max_body_bytes: int = 16 * MIB  # an answer's body (decoded); a list page of 25 records is ~100 KiB
    max_retry_after: float = 60.0  # the longest `Retry-After` followed as given


class AnswerTooLarge(Exception):
    """An answer's body went past `Bounds.max_body_bytes` (reading stopped there)."""


async def read_bounded(response: httpx.Response, limit: int) -> httpx.Response:
    """The streamed `response` read into memory, at most `limit` bytes of it (AnswerTooLarge past that)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge
        chunks.append(chunk)
    headers = [(name, value) for name, value in response.headers.multi_items() if name.lower() not in _BODY_HEADERS]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=response.request
    )


# Headers that describe the body as sent; the body read is decoded and whole.
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
