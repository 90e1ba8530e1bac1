"""The ASGI app: the request pipeline, the error envelope and common headers (the endpoints and their
answers are endpoints.py).

Pipeline of every API request (the order matters and is part of the contract):
auth (401) -> route (404) -> scope (403) -> rate limit (429) -> version (400) ->
body (413/415/400) -> idempotency (400/409/replay) -> gateway-timeout fault (504, the
rest goes on in the background) -> latency -> injected failure (500/503) -> the
operation, in one transaction with its idempotency entry -> drop-after-commit fault.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import decisions
from .config import EmulatorConfig
from .endpoints import Call, Handlers, Operation, forbidden, needed_scopes, route
from .errors import ApiError
from .faults import FaultInjector, FaultSettings
from .fixture import ApiKey, load_organisation
from .idempotency import IdempotencyCache, check_key
from .ids import new_request_id
from .lists import ListService
from .object_types import OBJECT_TYPES
from .ratelimit import RateLimiter
from .record_page import is_record_page, record_page
from .records import RecordService
from .seed import seed_fixture_records
from .store import Store

logger = logging.getLogger(__name__)
JSON_CONTENT_TYPE = "application/json"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ConnectionDropped(Exception):
    """Raised after the response has started, so the server closes the connection."""


class Emulator:
    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.org = load_organisation(config.org_fixture)
        self.store = Store(config.db_path)
        seed_fixture_records(self.org, self.store)
        self.records = {
            name: RecordService(object_type, self.org, self.store, config.clock, config.index_lag_ms / 1000)
            for name, object_type in OBJECT_TYPES.items()
        }
        self.lists = ListService(self.store, self.records, config.clock, config.index_lag_ms / 1000)
        self.handlers = Handlers(self.org, self.records, config.docs_literal, self.lists)
        self.idempotency = IdempotencyCache(self.store, config.clock)
        self.rate_limiter = RateLimiter(
            {"Write": config.write_rate, "Read": config.read_rate, "Search": config.search_rate}, config.clock
        )
        self.faults = FaultInjector(
            FaultSettings(
                latency_ms=config.latency_ms,
                latency_jitter_ms=config.latency_jitter_ms,
                fail_rate=config.fail_rate,
                drop_after_commit_rate=config.drop_after_commit_rate,
                gateway_timeout_rate=config.gateway_timeout_rate,
                seed=config.seed,
            )
        )
        # Set by the uvicorn helpers: a drop-after-commit fault then really drops the
        # connection; in-process (httpx.ASGITransport) it answers 500 instead.
        self.drop_connections = False
        self._background: set[asyncio.Task] = set()  # writes still running after a gateway timeout

    def close(self) -> None:
        self.store.close()

    async def finish_background_writes(self) -> None:
        """Wait for the writes that gateway timeouts left running (tests use it to wait on an event)."""
        while self._background:
            await asyncio.gather(*self._background)

    # -- pipeline -----------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        category = "Read"
        rate_headers: dict[str, str] | None = None
        try:
            response: Response
            if is_record_page(request.url.path):
                response = record_page(request, {**self.records, "list": self.lists})
            else:
                key = self._authenticate(request)
                operation, params = route(request)
                category = operation.category
                self._authorise(operation, key, request)
                rate_headers = self.rate_limiter.acquire(self.org.id, category).headers()
                self._check_version(request)
                body = await self._read_body(request, operation)
                response = await self._run(operation, Call(request, key, params, body))
        except ApiError as error:
            response = self._error_response(error)
        except Exception:
            # Clients (and the SDK) expect the envelope even when the emulator itself fails.
            logger.exception("Lightfield emulator: unexpected error in %s %s", request.method, request.url.path)
            response = self._error_response(ApiError(500, "Unexpected emulator error."))
        headers = rate_headers or self.rate_limiter.peek(self.org.id, category).headers()
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if not self.config.docs_literal:
            response.headers[decisions.REQUEST_ID_HEADER] = new_request_id()
        # RFC 9110 6.6.1: a server with a clock sends Date, from its clock (the one that stamps
        # createdAt); uvicorn's own Date header is turned off (serving.py) so there is one only.
        response.headers["Date"] = formatdate(self.config.clock(), usegmt=True)
        return response

    def _error_response(self, error: ApiError) -> Response:
        if not self.config.docs_literal:
            return _error_response(error)
        headers = dict(error.headers)
        if "Retry-After" in headers:  # decision 23: as an HTTP date, the other documented form
            headers["Retry-After"] = formatdate(math.ceil(self.config.clock()) + int(headers["Retry-After"]), usegmt=True)
        return Response(_encode(error.docs_literal_body()), error.status, headers, media_type=JSON_CONTENT_TYPE)

    def _authenticate(self, request: Request) -> ApiKey:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Missing API key: send `Authorization: Bearer <key>`.")
        key = self.org.api_keys.get(token.strip())
        if key is None:
            raise ApiError(401, "Invalid API key.")
        return key

    @staticmethod
    def _authorise(operation: Operation, key: ApiKey, request: Request) -> None:
        for scope in needed_scopes(operation, request):
            if scope not in key.scopes:
                raise forbidden(scope)

    @staticmethod
    def _check_version(request: Request) -> None:
        version = request.headers.get("lightfield-version")
        if version != decisions.API_VERSION:
            raise ApiError(
                400,
                f"Send the header `Lightfield-Version: {decisions.API_VERSION}`"
                + (f" (got {version!r})." if version else "."),
                code="version_header",
                param="Lightfield-Version",
            )

    @staticmethod
    async def _read_body(request: Request, operation: Operation) -> Any:
        if operation.body == "none":
            return None
        raw = await _bounded_body(request, decisions.MAX_BODY_BYTES)
        if operation.body == "optional" and not raw.strip():
            return None
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != JSON_CONTENT_TYPE and not media_type.endswith("+json"):
            raise ApiError(415, "Request bodies must be JSON (`Content-Type: application/json`).")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(400, "The request body is not valid JSON.", code="invalid_type", param="body") from None
        if _nesting_depth(body) > decisions.MAX_JSON_DEPTH:
            raise ApiError(400, f"The request body is nested deeper than {decisions.MAX_JSON_DEPTH} levels.",
                           code="invalid_type", param="body")
        return body

    async def _run(self, operation: Operation, call: Call) -> Response:
        idempotency_key = None
        if operation.name in decisions.IDEMPOTENT_OPERATIONS:
            idempotency_key = call.request.headers.get("idempotency-key") or None
        if idempotency_key is not None:
            check_key(idempotency_key)
            cached = self.idempotency.claim(self.org.id, operation.name, idempotency_key)
            if cached is not None:
                headers = {} if self.config.docs_literal else {decisions.REPLAYED_HEADER: "true"}
                return Response(cached.body, cached.status, headers, media_type=JSON_CONTENT_TYPE)
        if operation.writes and self.faults.gateway_timeout():
            self._in_background(self._execute(operation, call, idempotency_key))
            raise ApiError(decisions.GATEWAY_TIMEOUT_STATUS,
                           "Gateway timeout (emulator fault); the request goes on in the background.")
        status, content = await self._execute(operation, call, idempotency_key)
        if operation.writes and self.faults.drop_after_commit():
            if self.drop_connections:
                return DroppedConnectionResponse(content, status, media_type=JSON_CONTENT_TYPE)
            return self._error_response(ApiError(500, "Injected failure after the write was stored (emulator fault)."))
        return Response(content, status, media_type=JSON_CONTENT_TYPE)

    async def _execute(self, operation: Operation, call: Call, idempotency_key: str | None) -> tuple[int, bytes]:
        """Latency, injected failure, then the operation and its idempotency entry in one transaction."""
        committed = False
        try:
            latency = self.faults.latency_seconds()
            if latency:
                await asyncio.sleep(latency)
            failure = self.faults.failure_status()
            if failure is not None:
                raise ApiError(failure, "Injected failure (emulator fault); nothing was stored.")
            handler = self.handlers.handler(operation)
            with self.store.transaction(write=operation.writes):
                status, payload = handler(call)
                content = _encode(payload)
                if idempotency_key is not None:
                    self.idempotency.complete(self.org.id, operation.name, idempotency_key, status, content)
            committed = True
        finally:
            if idempotency_key is not None and not committed:
                self.idempotency.release(self.org.id, operation.name, idempotency_key)
        return status, content

    def _in_background(self, work: Awaitable[tuple[int, bytes]]) -> None:
        async def run() -> None:
            try:
                await work
            except ApiError:
                pass  # the client already has its 504; a refused write is simply not stored
            except Exception:
                logger.exception("Lightfield emulator: unexpected error in a write after its gateway timeout")

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


class DroppedConnectionResponse(Response):
    """Starts a 200 answer, then fails, so uvicorn closes the connection mid-response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        raise ConnectionDropped("drop_after_commit fault: the write is stored, the answer is lost")


async def _bounded_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit` (never read whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than {limit // 1024} KiB.", code="payload_too_large", param="body")


def _nesting_depth(value: Any) -> int:
    """How deep arrays and objects nest (iteratively: the body is untrusted)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > decisions.MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _encode(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _error_response(error: ApiError) -> Response:
    return Response(_encode(error.envelope()), error.status, dict(error.headers), media_type=JSON_CONTENT_TYPE)


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app; its database is opened here (no lifespan needed)."""
    emulator = Emulator(config or EmulatorConfig())
    endpoint: Callable[[Request], Awaitable[Response]] = emulator.handle
    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=ALL_METHODS)])
    app.state.emulator = emulator
    return app
