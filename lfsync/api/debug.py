"""`lfsync --debug`: every HTTP exchange with the API on stderr, secrets redacted.

Requests and answers are printed as they happen (method, URL, headers, body), with the
Authorization header (and any cookie or API-key header) replaced by `[redacted]`, so the output can
be pasted into an issue. Everything is shown through textsafe: an account name cannot drive the
terminal, and a secret this run read (lfsync.support.secrets) is redacted by value wherever it
appears, so a server that echoes the key in a body or a custom header gets it shown as ***.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

from lfsync.support.textsafe import for_terminal

if TYPE_CHECKING:
    import httpx

SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
REDACTED = "[redacted]"
MAX_BODY_CHARACTERS = 4000

_enabled = False


def enable(on: bool) -> None:
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def event_hooks(write: Callable[[str], None] | None = None) -> dict[str, list]:
    """httpx event hooks that print each request and response."""
    write = write or _to_stderr

    async def on_request(request: httpx.Request) -> None:
        lines = [f"> {request.method} {request.url}", *_headers(">", request.headers)]
        lines += _body(">", request.content)
        write("\n".join(lines))

    async def on_response(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        lines = [f"< {response.status_code} {response.reason_phrase} ({request.method} {request.url.path})"]
        lines += _headers("<", response.headers) + _body("<", response.content)
        write("\n".join(lines))

    return {"request": [on_request], "response": [on_response]}


def redacted(name: str, value: str) -> str:
    return REDACTED if name.lower() in SECRET_HEADERS else value


def _headers(direction: str, headers: httpx.Headers) -> list[str]:
    return [f"{direction} {name}: {redacted(name, value)}" for name, value in headers.items()]


def _body(direction: str, content: bytes) -> list[str]:
    if not content:
        return []
    text = content.decode("utf-8", "replace")
    if len(text) > MAX_BODY_CHARACTERS:
        text = text[:MAX_BODY_CHARACTERS] + f"... ({len(content)} bytes)"
    return [f"{direction} {line}" for line in text.splitlines()]


def _to_stderr(text: str) -> None:
    print(for_terminal(text), file=sys.stderr, flush=True)
