"""The Lightfield HTTP client (httpx): auth, version header, error envelope, pacing."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

import httpx

from lfsync import __version__
from lfsync.api.bounds import AnswerTooLarge, Bounds, read_bounded
from lfsync.api.debug import DebugLog
from lfsync.api.errors import (  # noqa: F401  (re-exported: the client's callers catch these)
    IDEMPOTENCY_CONFLICT,
    ApiError,
    answer_json,
    error_details,
    error_from,
    retry_after_seconds,
)
from lfsync.api.halting import Halt, Halted  # noqa: F401 (Halted re-exported: the client's callers catch it)
from lfsync.api.listing import LIST_PAGE_SIZE, check_something_new, local_filters, once_each, page_bound  # noqa: F401
from lfsync.api.pacing import Category, Pacer
from lfsync.api.records import (
    ApiRecord,
    Definitions,
    ListPage,
    Member,
    UnexpectedAnswer,
    member_from,
    parse_definitions,
    parse_list_page,
    parse_record,
)
from lfsync.api.serverclock import ServerClock
from lfsync.api.tls import tls_context_for
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import MEMBER
from lfsync.kinds.record_kind import RecordKind
from lfsync.support.asyncrun import all_or_none
from lfsync.support.spellings import composed, spellings

API_VERSION = "2026-03-01"
# The bounds every client keeps unless given others (tests shorten them).
DEFAULT_BOUNDS = Bounds()
# The longest `Retry-After` followed as given (a far-off HTTP date would otherwise stall an apply).
MAX_RETRY_AFTER = DEFAULT_BOUNDS.max_retry_after
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]
    # An undocumented `Idempotent-Replayed: true` header: a hint when present, never relied upon.
    replayed: bool
    record: ApiRecord | None = None  # the answer parsed, for calls that answer with a record


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
        bounds: Bounds | None = None,
        server_clock: ServerClock | None = None,
        debug: DebugLog | None = None,
    ):
        check_api_key(api_key)
        self.bounds = bounds or DEFAULT_BOUNDS
        self.debug = debug  # --debug: prints each request, and each answer as read below (bounded)
        if debug is not None:
            hooks = debug.event_hooks()
            event_hooks = {name: [*(event_hooks or {}).get(name, []), *hooks.get(name, [])] for name in ("request", "response")}
        self.pacer = pacer or Pacer()
        # The API's time, from every answer's Date: what intents are stamped with (serverclock.py).
        self.server_clock = server_clock or ServerClock()
        self.read_retry = read_retry or RetryPolicy()
        self.statuses: Counter[int] = Counter()  # answers by HTTP status; 0 = no answer
        self.halt = Halt()  # SIGTERM: ends every wait of this client (lfsync.api.halting)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            verify=tls_context_for(base_url),
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
        ticket = await self.halt.unless_halted(self.pacer.acquire(category))  # a halted client sends nothing new
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if json is not None or method in ("POST", "DELETE"):
            headers["Content-Type"] = "application/json"
        bounds = self.bounds

        async def exchange() -> httpx.Response:
            async with self._http.stream(method, path, json=json, params=params, headers=headers) as streamed:
                try:
                    read = await read_bounded(streamed, bounds.max_body_bytes)
                except AnswerTooLarge:
                    if self.debug is not None:
                        self.debug.answer(streamed, None, f"body larger than {bounds.max_body_bytes} bytes: not read")
                    raise
                if self.debug is not None:
                    self.debug.answer(streamed, read.content)
                return read

        try:
            response = await self.halt.within_grace(asyncio.wait_for(exchange(), bounds.deadline))
        except asyncio.TimeoutError:
            self.statuses[0] += 1
            raise ApiError(
                0, f"no complete answer from the API within {bounds.deadline:g} s ({method} {path})", final=True
            ) from None
        except AnswerTooLarge:
            self.statuses[0] += 1
            raise ApiError(
                0, f"the API's answer to {method} {path} is larger than {bounds.max_body_bytes} bytes; not read", final=True
            ) from None
        except httpx.TimeoutException:
            self.statuses[0] += 1
            raise ApiError(0, f"no answer from the API within the timeout ({method} {path})") from None
        except httpx.TransportError as error:
            self.statuses[0] += 1
            raise ApiError(0, f"connection to the API failed: {type(error).__name__} ({method} {path})") from None
        self.statuses[response.status_code] += 1
        self.pacer.observe(category, response.headers, ticket)
        body = answer_json(response) if response.is_success else None
        answered = self.server_clock.observe(response.headers.get("date"), body)

        def answer_time() -> float:
            """What a `Retry-After` date is measured from: the answer's own Date, else the server's
            time as known (the runner's clock only when the server never said)."""
            return (answered or self.server_clock.now().moment).timestamp()

        if response.status_code == 429:
            wait = retry_after_seconds(response.headers.get("retry-after"), now=answer_time) or 1.0
            self.pacer.pause(category, min(wait, bounds.max_retry_after))
        if body is not None:
            return ApiResponse(response.status_code, body, response.headers.get("idempotent-replayed") == "true")
        refusal = error_from(response, now=answer_time)
        if refusal.retry_after is not None:
            refusal.retry_after = min(refusal.retry_after, bounds.max_retry_after)
        raise refusal

    # -- records of a kind ---------------------------------------------------------------------
    async def _write(
        self, kind: RecordKind, method: str, path: str, body: dict | None = None, idempotency_key: str | None = None
    ) -> ApiResponse:
        answer = await self.request(method, path, category="write", json=body, idempotency_key=idempotency_key)
        record = parse_record(answer.body, f"{method} {path}", kind.read_back)
        return ApiResponse(answer.status, answer.body, answer.replayed, record)

    async def create(self, kind: RecordKind, body: dict, idempotency_key: str) -> ApiResponse:
        return await self._write(kind, "POST", kind.api_path, body, idempotency_key)

    async def update(self, kind: RecordKind, record_id: str, body: dict, idempotency_key: str | None) -> ApiResponse:
        return await self._write(kind, "POST", kind.record_path(record_id), body, idempotency_key)

    async def delete(self, kind: RecordKind, record_id: str) -> ApiResponse:
        return await self._write(kind, "DELETE", kind.record_path(record_id))

    async def restore(self, kind: RecordKind, record_id: str) -> ApiResponse:
        return await self._write(kind, "POST", kind.record_path(record_id) + "/restore")

    async def read(self, path: str, category: Category, params: dict | None = None, retry: RetryPolicy | None = None) -> dict:
        """GET with retries (the client's read policy unless `retry` says otherwise): reading twice is always safe."""
        send = lambda: self.request("GET", path, category=category, params=params)  # noqa: E731
        return (await with_retries(send, retry or self.read_retry, sleep=self.halt.sleep)).body

    async def retrieve(self, kind: RecordKind, record_id: str) -> ApiRecord:
        path = kind.record_path(record_id)
        return parse_record(await self.read(path, "read"), f"GET {path}", kind.read_back)

    async def list_page(self, kind: RecordKind, **params: Any) -> ListPage:
        return parse_list_page(await self.read(kind.api_path, "search", params), f"GET {kind.api_path}", kind.read_back)

    async def list_records(
        self, kind: RecordKind, on_page: Callable[[int, int], None] | None = None, window: int = 1, **params: Any
    ) -> list[ApiRecord]:
        """Every record of `kind` a list query matches, page after page (`list_all`; lists: `local_filters`)."""
        query, narrowed = local_filters(kind, params)
        return narrowed([
            parse_record(record, f"GET {kind.api_path}", kind.read_back)
            for record in await self.list_all(kind.api_path, kind.most_listed, on_page, window, **query)
        ])

    async def find_by(self, kind: RecordKind, key: str, value: Any, status: str = "active") -> list[ApiRecord]:
        """Records whose field `key` holds `value` (the API's default operator for its type:
        `equal` for text, `contains` for URL and email); the caller narrows to exact matches."""
        params: dict[str, Any] = {key: value, "status": status}
        return await self.list_records(kind, **params)

    async def find_named(self, kind: RecordKind, name: str, status: str = "active") -> list[ApiRecord]:
        """Every record whose $name is `name`, in any Unicode spelling (NFC or NFD: one name), each once.

        The API's `equal` filter is served by a search index that ignores case and compares the
        bytes it is given, so each spelling is asked for and the answers are narrowed to exact
        matches (in NFC) here.
        """
        found: list[ApiRecord] = []
        for spelling in spellings(name):
            params: dict[str, Any] = {"$name[equal]": spelling, "status": status}
            found += await self.list_records(kind, **params)
        wanted = composed(name)
        unique = {record.id: record for record in found if composed(record.fields.get("$name")) == wanted}
        return list(unique.values())

    async def definitions_of(self, kind: RecordKind) -> Definitions:
        path = kind.definitions_path
        fixed = kind.fixed_definitions  # a kind without a definitions endpoint (lists) has them as data
        return parse_definitions(fixed if fixed is not None else await self.read(path, "read"), f"GET {path}")

    async def members(self) -> list[Member]:
        return [member_from(record) for record in await self.list_records(MEMBER)]

    async def list_all(
        self, path: str, most: int, on_page: Callable[[int, int], None] | None = None, window: int = 1, **params: Any
    ) -> list[dict]:
        """Every record a list endpoint answers, page after page until a short one (the docs do not
        promise `totalCount` stable across pages, so it only estimates the total for `on_page(read,
        total)`, called after each page).

        With `window` > 1, up to that many pages are in flight at once (the pacer keeps them under
        the search rate): after the first page, pages up to its `totalCount` are asked ahead (the
        page at it too: the expected short one), and past it one at a time until a short page ends
        the list.

        Bounded: a page that lists no record not listed already, or pages going on well past what the
        first page's `totalCount` promised or the kind may hold (`page_bound`), is an UnexpectedAnswer naming the endpoint.
        A record met on two pages (offset paging shifts records when others are created meanwhile) is
        kept once."""
        pages: dict[int, list[dict]] = {}
        in_flight: dict[asyncio.Task, int] = {}
        end: int | None = None  # offset of the first short page
        estimate = next_offset = read = 0
        promised: int | None = None  # the first page's totalCount: what bounds the pages asked for
        seen: set[str] = set()
        endpoint = f"GET {path}"

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
                    if next_offset > page_bound(promised, most):
                        raise UnexpectedAnswer(
                            endpoint, f"its pages go on past offset {next_offset} (totalCount promised {promised})"
                        )
                    in_flight[asyncio.ensure_future(fetch(next_offset))] = next_offset
                    next_offset += LIST_PAGE_SIZE
                if not in_flight:
                    break
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    offset = in_flight.pop(task)
                    page = task.result()
                    records = page.get("data", [])
                    if not isinstance(records, list):
                        raise UnexpectedAnswer(endpoint, f"`data` at offset {offset} is not a list of records")
                    check_something_new(records, seen, endpoint, offset)
                    pages[offset] = records
                    read += len(records)
                    total = page.get("totalCount")
                    if isinstance(total, int) and not isinstance(total, bool):
                        estimate = max(estimate, total)
                        if promised is None:
                            promised = max(0, total)
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
        return once_each(record for offset in range(0, end + 1, LIST_PAGE_SIZE) for record in pages[offset])

    async def validate_auth(self, retry: RetryPolicy | None = None) -> dict:
        return await self.read("/v1/auth/validate", "read", retry=retry)


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

    results = await all_or_none(one(awaitable) for awaitable in items.values())
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
            if not error.retryable or error.final or attempt == policy.attempts - 1:
                raise
            if on_retry:
                on_retry(error)
            await sleep(policy.backoff(attempt, error))
    raise AssertionError("unreachable")
