"""The API's failures: `ApiError` (a non-2xx answer, or none), read from either documented error
shape (a stage answer's details read by stage_errors.py), and `Retry-After` in either documented form."""

from __future__ import annotations

import math
import time
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import httpx

from lfsync.api.stage_errors import StageError, stage_error
from lfsync.errors import LfsyncError
from lfsync.support.textsafe import plain

IDEMPOTENCY_CONFLICT = "idempotency_conflict"
# Answers that may come back different if the same request is sent again (besides 5xx and no answer).
RETRYABLE_STATUSES = frozenset({408, 429})


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
        final: bool = False,
        stage: StageError | None = None,
    ):
        self.status = status
        # The request overran a bound (the deadline, the body cap): its outcome is as unknown as a
        # timeout's, but sending it again would only overrun again.
        self.final = final
        self.type = type
        self.code = code
        self.param = param
        self.retry_after = retry_after
        self.request_id = request_id
        self.message = message
        # A stage or pipeline the API could not resolve (api/stage_errors.py): said in user terms.
        self.stage = stage
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
        message = self.message if self.stage is None else f"{self.message.rstrip('.')}. {self.stage.explain(self.param)}"
        return f"{' '.join(part for part in parts if part)}: {message}"


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` as delay-seconds or an HTTP date (RFC 9110 10.2.3); None if absent or unreadable.
    A date is measured from `now()`: the client passes the answer's own `Date` (the server's clock,
    which set the date), so a runner whose clock is off waits what the server meant."""
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
    """A string the server sent, on one line without controls: its error text cannot add lines to
    an error, a plan or a PR comment, nor drive a terminal."""
    return plain(value) if isinstance(value, str) and value else None


def error_from(response: httpx.Response, now: Callable[[], float] = time.time) -> ApiError:
    """The ApiError a non-2xx answer stands for; `now` as for retry_after_seconds."""
    error = error_details(answer_json(response))
    code = _text(error.get("code"))
    return ApiError(
        response.status_code,
        _text(error.get("message")) or _text(response.reason_phrase) or "request failed",
        type=_text(error.get("type")),
        code=code,
        param=_text(error.get("param")),
        retry_after=retry_after_seconds(response.headers.get("retry-after"), now),
        request_id=response.headers.get("x-request-id"),  # undocumented: a hint for support, if sent
        stage=stage_error(code, error),
    )


def answer_json(response: httpx.Response) -> dict:
    """The answer's JSON object ({} when there is none; a bare list as `{"data": [...]}`)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"data": body}
