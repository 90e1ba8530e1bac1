"""The Lightfield HTTP client (httpx): auth, version header, error envelope, pacing."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, TypeVar

import httpx

from lfsync import __version__
from lfsync.api.pacing import Category, Pacer
from lfsync.errors import LfsyncError

API_VERSION = "2026-03-01"
IDEMPOTENCY_CONFLICT = "idempotency_conflict"
# Answers that may come back different if the same request is sent again (besides 5xx and no answer).
RETRYABLE_STATUSES = frozenset({408, 429})
# The longest `Retry-After` followed as given (a far-off HTTP date would otherwise stall an apply).
MAX_RETRY_AFTER = 300.0
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
LIST_PAGE_SIZE = 25  # the API's maximum


class ApiError(LfsyncError):
    """A non-2xx answer, or no answer at all (status 0: timeout or connection error)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
    ):
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.retry_after = retry_after
        self.request_id = request_id
        self.message = message
        super().__init__(self.describe())

    @property
    def in_flight(self) -> bool:
        """409: the same idempotency key is still being worked on. The docs show it with
        `idempotency_conflict` as the `type` (no `code`), the errors page as the `code`."""
        return self.status == 409 and IDEMPOTENCY_CONFLICT in (self.code, self.type)

    @property
    def retryable(self) -> bool:
        """408, 429, 5xx, no answer, or the same key still in flight: the same request may be sent again."""
        return self.status == 0 or self.status in RETRYABLE_STATUSES or self.status >= 500 or self.in_flight

    def describe(self) -> str:
        if self.status == 0:
            return self.message
        parts = [f"HTTP {self.status}", self.code or self.type, f"({self.param})" if self.param else None]
        return f"{' '.join(part for part in parts if part)}: {self.message}"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]
    # An undocumented `Idempotent-Replayed: true` header: a hint when present, never relied upon.
    replayed: bool


class LightfieldClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_connections: int = 32,
        pacer: Pacer | None = None,
        read_retry: "RetryPolicy | None" = None,
        event_hooks: dict[str, list] | None = None,
    ):
        check_api_key(api_key)
        self.pacer = pacer or Pacer()
        self.read_retry = read_retry or RetryPolicy()
        self.statuses: Counter[int] = Counter()  # answers by HTTP status; 0 = no answer
        self._http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            event_hooks=event_hooks,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Lightfield-Version": API_VERSION,
                "User-Agent": f"lfsync/{__version__}",
            },
        )

    async def __aenter__(self) -> "LightfieldClient":
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        category: Category,
        json: dict | None = None,
        params: dict | None = None,
        idempotency_key: str | None = None,
    ) -> ApiResponse:
        await self.pacer.acquire(category)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if json is not None or method in ("POST", "DELETE"):
            headers["Content-Type"] = "application/json"
        try:
            response = await self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TimeoutException:
            self.statuses[0] += 1
            raise ApiError(0, f"no answer from the API within the timeout ({method} {path})") from None
        except httpx.TransportError as error:
            self.statuses[0] += 1
            raise ApiError(0, f"connection to the API failed: {type(error).__name__} ({method} {path})") from None
        self.statuses[response.status_code] += 1
        self.pacer.observe(category, response.headers)
        if response.status_code == 429:
            wait = retry_after_seconds(response.headers.get("retry-after")) or 1.0
            self.pacer.pause(category, min(wait, MAX_RETRY_AFTER))
        if response.is_success:
            return ApiResponse(
                response.status_code, _json(response), response.headers.get("idempotent-replayed") == "true"
            )
        raise _error_from(response)

    # -- accounts -------------------------------------------------------------------------------
    async def create_account(self, body: dict, idempotency_key: str) -> ApiResponse:
        return await self.request("POST", "/v1/accounts", category="write", json=body, idempotency_key=idempotency_key)

    async def update_account(self, account_id: str, body: dict, idempotency_key: str | None) -> ApiResponse:
        return await self.request(
            "POST", f"/v1/accounts/{account_id}", category="write", json=body, idempotency_key=idempotency_key
        )

    async def delete_account(self, account_id: str) -> ApiResponse:
        return await self.request("DELETE", f"/v1/accounts/{account_id}", category="write")

    async def restore_account(self, account_id: str) -> ApiResponse:
        return await self.request("POST", f"/v1/accounts/{account_id}/restore", category="write")

    async def read(self, path: str, category: Category, params: dict | None = None, retry: RetryPolicy | None = None) -> dict:
        """GET with retries (the client's read policy unless `retry` says otherwise): reading twice is always safe."""
        send = lambda: self.request("GET", path, category=category, params=params)  # noqa: E731
        return (await with_retries(send, retry or self.read_retry)).body

    async def retrieve_account(self, account_id: str) -> dict:
        return await self.read(f"/v1/accounts/{account_id}", "read")

    async def list_accounts(self, **params: Any) -> dict:
        return await self.read("/v1/accounts", "search", params)

    async def list_all_accounts(self, **params: Any) -> list[dict]:
        """Every account a list query matches, page after page."""
        return await self.list_all("/v1/accounts", **params)

    async def list_all_members(self) -> list[dict]:
        return await self.list_all("/v1/members")

    async def list_all(
        self, path: str, on_page: Callable[[int, int], None] | None = None, window: int = 1, **params: Any
    ) -> list[dict]:
        """Every record a list endpoint answers, page after page until a short one (the docs do not
        promise `totalCount` stable across pages, so it only estimates the total for `on_page(read,
        total)`, called after each page).

        With `window` > 1, up to that many pages are in flight at once (the pacer keeps them under
        the search rate): after the first page, pages up to its `totalCount` are asked ahead (the
        page at it too: the expected short one), and past it one at a time until a short page ends
        the list."""
        pages: dict[int, list[dict]] = {}
        in_flight: dict[asyncio.Task, int] = {}
        end: int | None = None  # offset of the first short page
        estimate = next_offset = read = 0

        async def fetch(offset: int) -> dict:
            return await self.read(path, "search", {**params, "limit": LIST_PAGE_SIZE, "offset": offset})

        def may_launch() -> bool:
            if end is not None or len(in_flight) >= max(1, window):
                return False
            if not pages:  # the first page alone: its totalCount says how far to ask ahead
                return not in_flight
            return next_offset <= estimate or not in_flight

        try:
            while True:
                while may_launch():
                    in_flight[asyncio.ensure_future(fetch(next_offset))] = next_offset
                    next_offset += LIST_PAGE_SIZE
                if not in_flight:
                    break
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    offset = in_flight.pop(task)
                    page = task.result()
                    records = page.get("data", [])
                    pages[offset] = records
                    read += len(records)
                    total = page.get("totalCount")
                    if isinstance(total, int):
                        estimate = max(estimate, total)
                    if len(records) < LIST_PAGE_SIZE:
                        end = offset if end is None else min(end, offset)
                    if on_page:
                        on_page(read, max(read, estimate))
                if end is not None:  # pages past the end are not needed
                    for task, offset in list(in_flight.items()):
                        if offset > end:
                            task.cancel()
                            del in_flight[task]
        finally:
            for task in in_flight:
                task.cancel()
        if end is None:  # the loop stops only once a short page was read
            raise RuntimeError(f"listing {path} stopped before its last page")
        return [record for offset in range(0, end + 1, LIST_PAGE_SIZE) for record in pages[offset]]

    async def find_accounts_by(self, key: str, value: Any, status: str = "active") -> list[dict]:
        """Live accounts whose field `key` holds `value` (the API's default operator for its type:
        `equal` for text, `contains` for URL and email); the caller narrows to exact matches."""
        return await self.list_all("/v1/accounts", **{key: value, "status": status})

    async def find_accounts_named(self, name: str, status: str = "active") -> list[dict]:
        """Every account whose $name is exactly `name`.

        The API's `equal` filter is served by a search index that ignores case, so its
        answers are narrowed to exact matches here.
        """
        found = await self.list_all_accounts(**{"$name[equal]": name, "status": status})
        return [record for record in found if _name_of(record) == name]

    async def definitions(self) -> dict:
        return await self.read("/v1/accounts/definitions", "read")

    async def validate_auth(self, retry: RetryPolicy | None = None) -> dict:
        return await self.read("/v1/auth/validate", "read", retry=retry)


def _name_of(record: dict) -> str | None:
    return (record.get("fields", {}).get("$name") or {}).get("value")


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"data": body}


def check_api_key(api_key: str) -> None:
    """An API key goes into a header: printable ASCII only. Says what is wrong, never the key."""
    if api_key != api_key.rstrip("\r\n"):
        raise LfsyncError("the API key ends in a line break (copied with its newline?); remove it")
    for position, character in enumerate(api_key, start=1):
        if not " " < character <= "~":
            what = "a space" if character == " " else f"the character U+{ord(character):04X}"
            raise LfsyncError(
                f"the API key holds {what} at position {position}; API keys are printable ASCII without spaces"
            )


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` as delay-seconds or an HTTP date (RFC 9110 10.2.3); None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # asctime form: an HTTP date is GMT by definition
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now())


def error_details(body: dict) -> dict:
    """The error object of an answer, in either documented shape: `{"error": {type, message, code?,
    param?}}` (the errors page) or the same keys at the top level (the OpenAPI spec, 409 and 429)."""
    wrapped = body.get("error")
    if isinstance(wrapped, dict):
        return wrapped
    return body if "type" in body or "message" in body else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _error_from(response: httpx.Response) -> ApiError:
    error = error_details(_json(response))
    return ApiError(
        response.status_code,
        _text(error.get("message")) or response.reason_phrase or "request failed",
        type=_text(error.get("type")),
        code=_text(error.get("code")),
        param=_text(error.get("param")),
        retry_after=retry_after_seconds(response.headers.get("retry-after")),
        request_id=response.headers.get("x-request-id"),  # undocumented: a hint for support, if sent
    )


T = TypeVar("T")
K = TypeVar("K")
READ_CONCURRENCY = 8


async def gather_bounded(
    items: dict[K, Awaitable[T]], limit: int = READ_CONCURRENCY, on_done: Callable[[int, int], None] | None = None
) -> dict[K, T]:
    """Await many reads with at most `limit` in flight (the pacer keeps them under the rate);
    `on_done(done, total)` after each."""
    slots = asyncio.Semaphore(limit)
    done = 0

    async def one(awaitable: Awaitable[T]) -> T:
        nonlocal done
        async with slots:
            result = await awaitable
        done += 1
        if on_done:
            on_done(done, len(items))
        return result

    results = await asyncio.gather(*(one(awaitable) for awaitable in items.values()))
    return dict(zip(items, results))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base_delay: float = 0.25
    max_delay: float = 20.0

    def backoff(self, attempt: int, error: ApiError) -> float:
        if error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER) + random.uniform(0, 0.25)
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        if error.in_flight:  # "wait, then retry": an immediate retry would only meet the same 409
            return random.uniform(ceiling / 2, ceiling)
        return random.uniform(0, ceiling)  # full jitter


async def with_retries(
    send: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    on_retry: Callable[[ApiError], None] | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """Call `send` until it answers or fails for good; retryable failures are retried identically."""
    for attempt in range(policy.attempts):
        try:
            return await send()
        except ApiError as error:
            if not error.retryable or attempt == policy.attempts - 1:
                raise
            if on_retry:
                on_retry(error)
            await sleep(policy.backoff(attempt, error))
    raise AssertionError("unreachable")
