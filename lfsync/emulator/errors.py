"""API errors and the `{"error": {...}}` envelope they are answered with."""

from __future__ import annotations

from typing import Any

ERROR_TYPE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_content",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class ApiError(Exception):
    """An answer other than 2xx; `headers` are added to the response (e.g. Retry-After)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        literal_body: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.headers = headers or {}
        self.literal_body = literal_body  # the docs' own example of this answer, if they show one
        self.extra = extra or {}  # documented details beside code and param (a stage error's candidates)

    def details(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": ERROR_TYPE_BY_STATUS.get(self.status, "error"), "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        return error

    def envelope(self) -> dict[str, Any]:
        """Decision 1: the errors page's form."""
        return {"error": self.details()}

    def docs_literal_body(self) -> dict[str, Any]:
        """Decision 23: the docs' example where they show one, else the spec's top-level form."""
        return dict(self.literal_body) if self.literal_body is not None else self.details()


def invalid_type(param: str, message: str) -> ApiError:
    return ApiError(400, message, code="invalid_type", param=param)


def unknown_field(param: str, message: str | None = None) -> ApiError:
    return ApiError(400, message or f"Unknown field `{param}`.", code="unknown_field", param=param)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def invalid_configuration(param: str, message: str) -> ApiError:
    return ApiError(422, message, code="invalid_configuration", param=param)
