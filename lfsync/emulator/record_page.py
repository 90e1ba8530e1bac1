"""What a record's `httpLink` opens (decision 13): a read-only HTML view of the record. It takes no
key, so it answers loopback clients only (decision 25)."""

from __future__ import annotations

import html
import json
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import HTMLResponse

from .errors import ApiError, not_found
from .network import is_loopback_host
from .object_types import OBJECT_TYPES
from .store import RecordRow, Store

PAGE_PREFIX = "/app/"
_TYPE_BY_PATH = {**{object_type.path: name for name, object_type in OBJECT_TYPES.items()}, "lists": "list"}


class Viewable(Protocol):
    """What a page needs of a service (records.RecordService, lists.ListService)."""

    store: Store

    def retrieve(self, record_id: str) -> RecordRow: ...

    def render(self, record: RecordRow, base_url: str) -> dict[str, Any]: ...


def is_record_page(path: str) -> bool:
    return path.startswith(PAGE_PREFIX)


def record_page(request: Request, services: dict[str, Viewable]) -> HTMLResponse:
    if not is_loopback_host(request.client.host if request.client else None):
        raise ApiError(403, "The record page is served to loopback clients only; use the API with a key.")
    type_path, _, record_id = request.url.path[len(PAGE_PREFIX):].partition("/")
    service = services.get(_TYPE_BY_PATH.get(type_path, ""))
    if service is None or not record_id or "/" in record_id:
        raise not_found(f"No page at {request.url.path}.")
    with service.store.transaction(write=False):
        record = service.render(service.retrieve(record_id), str(request.base_url))
    fields = record["fields"]
    name = _title((fields.get("$name") or fields.get("$title") or {}).get("value"), record_id)
    body = json.dumps(record, indent=2, ensure_ascii=False)
    return HTMLResponse(
        f"<!doctype html><title>{html.escape(name)}</title><h1>{html.escape(name)}</h1>"
        f"<p>Local Lightfield emulator</p><pre>{html.escape(body)}</pre>"
    )


def _title(name: object, record_id: str) -> str:
    if isinstance(name, dict):  # a contact's FULL_NAME
        return " ".join(str(part) for part in (name.get("firstName"), name.get("lastName")) if part) or record_id
    return str(name) if name else record_id
