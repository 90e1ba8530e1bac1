"""The ASGI app: routing, the request pipeline, the error envelope and common headers.

Pipeline of every API request (the order matters and is part of the contract):
auth (401) -> route (404) -> scope (403) -> rate limit (429) -> version (400) ->
body (413/415/400) -> idempotency (400/409/replay) -> gateway-timeout fault (504, the
rest goes on in the background) -> latency -> injected failure (500/503) -> the
operation, in one transaction with its idempotency entry -> drop-after-commit fault.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import decisions
from .accounts import AccountService
from .config import EmulatorConfig
from .errors import ApiError, not_found
from .faults import FaultInjector, FaultSettings
from .fixture import ApiKey, load_organisation
from .idempotency import IdempotencyCache, check_key
from .ids import new_request_id
from .members import render_member
from .network import is_loopback_host
from .paging import page_params
from .ratelimit import RateLimiter
from .store import Store

logger = logging.getLogger(__name__)
JSON_CONTENT_TYPE = "application/json"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ConnectionDropped(Exception):
    """Raised after the response has started, so the server closes the connection."""


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    pattern: re.Pattern[str]
    scope: str | None
    category: str
    body: str  # "json": required JSON object; "optional": empty or JSON, ignored; "none"
    writes: bool = False


def _operation(name: str, method: str, path: str, scope: str | None, category: str, body: str = "none",
               writes: bool = False) -> Operation:
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$")
    return Operation(name, method, pattern, scope, category, body, writes)


OPERATIONS = [
    _operation("accounts.definitions", "GET", "/v1/accounts/definitions", "accounts:read", "Read"),
    _operation("accounts.create", "POST", "/v1/accounts", "accounts:create", "Write", "json", True),
    _operation("accounts.list", "GET", "/v1/accounts", "accounts:read", "Search"),
    _operation("accounts.restore", "POST", "/v1/accounts/{id}/restore", "accounts:restore", "Write", "optional", True),
    _operation("accounts.field_history", "GET", "/v1/accounts/{id}/fields/{key}/history", "accounts:read", "Read"),
    _operation("accounts.retrieve", "GET", "/v1/accounts/{id}", "accounts:read", "Read"),
    _operation("accounts.update", "POST", "/v1/accounts/{id}", "accounts:update", "Write", "json", True),
    _operation("accounts.delete", "DELETE", "/v1/accounts/{id}", "accounts:delete", "Write", "optional", True),
    _operation("members.list", "GET", "/v1/members", "members:read", "Search"),
    _operation("members.retrieve", "GET", "/v1/members/{id}", "members:read", "Read"),
    _operation("auth.validate", "GET", "/v1/auth/validate", None, "Read"),
]


@dataclass
class Call:
    """One API request as the operation handlers see it."""

    request: Request
    key: ApiKey
    params: dict[str, str]
    body: Any

    @property
    def base_url(self) -> str:
        return str(self.request.base_url)


class Emulator:
    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.org = load_organisation(config.org_fixture)
        self.store = Store(config.db_path)
        self.accounts = AccountService(self.org, self.store, config.clock, config.index_lag_ms / 1000)
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
        self._handlers: dict[str, Callable[[Call], tuple[int, Any]]] = {
            "accounts.definitions": lambda call: (200, self.org.schema.definitions_wire()),
            "accounts.create": self._create,
            "accounts.list": self._list,
            "accounts.restore": lambda call: self._render(self.accounts.set_trashed(call.params["id"], False), call),
            "accounts.field_history": lambda call: (
                200, self.accounts.field_history(call.params["id"], call.params["key"], call.request.query_params)
            ),
            "accounts.retrieve": self._retrieve,
            "accounts.update": lambda call: self._render(self.accounts.update(call.params["id"], call.body), call),
            "accounts.delete": lambda call: self._render(self.accounts.set_trashed(call.params["id"], True), call),
            "members.list": self._list_members,
            "members.retrieve": self._retrieve_member,
            "auth.validate": self._validate,
        }

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
            if request.url.path.startswith("/app/accounts/"):
                response = self._account_page(request)
            else:
                key = self._authenticate(request)
                operation, params = self._route(request)
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
    def _route(request: Request) -> tuple[Operation, dict[str, str]]:
        for operation in OPERATIONS:
            match = operation.pattern.match(request.url.path)
            if match and operation.method == request.method:
                return operation, match.groupdict()
        raise not_found(f"No route for {request.method} {request.url.path}.")

    @staticmethod
    def _authorise(operation: Operation, key: ApiKey, request: Request) -> None:
        needed = [operation.scope] if operation.scope else []
        if operation.name == "accounts.list" and request.query_params.get("status") == "trashed":
            needed.append("accounts:restore")
        for scope in needed:
            if scope not in key.scopes:
                raise ApiError(403, f"This API key lacks the `{scope}` scope.")

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
            handler = self._handlers[operation.name]
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

    # -- operations ---------------------------------------------------------------------

    def _render(self, account: Any, call: Call) -> tuple[int, Any]:
        return 200, self.accounts.render(account, call.base_url)

    def _retrieve(self, call: Call) -> tuple[int, Any]:
        account = self.accounts.retrieve(call.params["id"])
        if account.trashed and self.config.docs_literal:  # decision 23: "... or was deleted"
            raise not_found(f"Account `{call.params['id']}` not found.")
        return self._render(account, call)

    def _create(self, call: Call) -> tuple[int, Any]:
        account = self.accounts.create(call.body)
        return decisions.CREATE_STATUS, self.accounts.render(account, call.base_url)

    def _list(self, call: Call) -> tuple[int, Any]:
        query = call.request.query_params
        accounts, total = self.accounts.list(query, query.multi_items())
        data = [self.accounts.render(a, call.base_url) for a in accounts]
        return 200, {"object": "list", "data": data, "totalCount": total}

    def _list_members(self, call: Call) -> tuple[int, Any]:
        limit, offset = page_params(call.request.query_params)
        members = list(self.org.members.values())
        page = [render_member(m) for m in members[offset : offset + limit]]
        return 200, {"object": "list", "data": page, "totalCount": len(members)}

    def _retrieve_member(self, call: Call) -> tuple[int, Any]:
        member = self.org.members.get(call.params["id"])
        if member is None:
            raise not_found(f"Member `{call.params['id']}` not found.")
        return 200, render_member(member)

    @staticmethod
    def _validate(call: Call) -> tuple[int, Any]:
        scopes = [] if call.key.full_access or not call.key.lists_scopes else sorted(call.key.scopes)
        return 200, {"active": True, "scopes": scopes, "subjectType": "workspace", "tokenType": "api_key"}

    def _account_page(self, request: Request) -> Response:
        """Decision 13: what `httpLink` opens; a read-only view of the record. It takes no key, so
        decision 25: loopback clients only."""
        if not is_loopback_host(request.client.host if request.client else None):
            raise ApiError(403, "The account page is served to loopback clients only; use the API with a key.")
        account_id = request.url.path.rsplit("/", 1)[-1]
        with self.store.transaction(write=False):
            record = self.accounts.render(self.accounts.retrieve(account_id), str(request.base_url))
        name = record["fields"].get("$name", {}).get("value", account_id)
        body = json.dumps(record, indent=2, ensure_ascii=False)
        return HTMLResponse(
            f"<!doctype html><title>{html.escape(name)}</title><h1>{html.escape(name)}</h1>"
            f"<p>Local Lightfield emulator</p><pre>{html.escape(body)}</pre>"
        )


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
