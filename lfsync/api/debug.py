"""`lfsync --debug`: every HTTP exchange with the API on stderr, secrets redacted.

Requests are printed as they are sent, answers as the client read them (method, URL, headers, at
most MAX_BODY_CHARACTERS of a body; a body over the client's cap is not read), with the
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


class DebugLog:
    """Prints each request as it is sent (an httpx event hook) and each answer as the client read it
    (`answer`, called by the client). It never reads a body itself: the client's bounded read
    (lfsync.api.bounds) is the only read, so an endless body is cut off at the cap with --debug too,
    and at most MAX_BODY_CHARACTERS of a body are shown."""

    def __init__(self, write: Callable[[str], None] | None = None):
        self.write = write or _to_stderr

    def event_hooks(self) -> dict[str, list]:
        return {"request": [self.on_request]}

    async def on_request(self, request: httpx.Request) -> None:
        lines = [f"> {request.method} {request.url}", *_headers(">", request.headers)]
        lines += _body(">", request.content)
        self.write("\n".join(lines))

    def answer(self, response: httpx.Response, content: bytes | None, unread: str = "") -> None:
        """The answer's status and headers as received, and `content`, the body the client read
        (None: not read, because `unread`)."""
        request = response.request
        lines = [f"< {response.status_code} {response.reason_phrase} ({request.method} {request.url.path})"]
        lines += _headers("<", response.headers)
        lines += _body("<", content) if content is not None else [f"< ({unread})"]
        self.write("\n".join(lines))


def log() -> DebugLog | None:
    """The exchange's log for a new client: a DebugLog with --debug, else None."""
    return DebugLog() if _enabled else None


def redacted(name: str, value: str) -> str:
    return REDACTED if name.lower() in SECRET_HEADERS else value


def _headers(direction: str, headers: httpx.Headers) -> list[str]:
    return [f"{direction} {name}: {redacted(name, value)}" for name, value in headers.items()]


def _body(direction: str, content: bytes) -> list[str]:
    if not content:
        return []
    # a UTF-8 character is at most 4 bytes: this prefix holds MAX_BODY_CHARACTERS of any text
    text = content[: 4 * MAX_BODY_CHARACTERS].decode("utf-8", "replace")
    if len(text) > MAX_BODY_CHARACTERS or len(content) > 4 * MAX_BODY_CHARACTERS:
        text = text[:MAX_BODY_CHARACTERS] + f"... ({len(content)} bytes)"
    return [f"{direction} {line}" for line in text.splitlines()]


def _to_stderr(text: str) -> None:
    print(for_terminal(text), file=sys.stderr, flush=True)
