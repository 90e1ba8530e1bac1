"""A field's value history (`GET /v1/accounts/{id}/fields/{key}/history?after&limit`): one page
of it, read through the client (pacing, retries, bounds) and parsed once into typed entries.

The documented answer is `{data: [{value, valueType, displayValue, recordedAt, isCreate}],
hasMore, nextCursor}`, newest first (SDK `AccountFieldHistoryResponse`). Nothing in it is taken
blindly: `data` must be a list of at most the entries asked for, every `recordedAt` an ISO 8601
instant, `hasMore` a boolean, a cursor a short string; anything else is an UnexpectedAnswer naming
the endpoint. Column-backed system fields have no history: the API refuses them (an ApiError).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lfsync.api.client import LightfieldClient
from lfsync.api.records import UnexpectedAnswer
from lfsync.api.serverclock import parse_record_time
from lfsync.kinds.record_kind import RecordKind

HISTORY_MAX_LIMIT = 100  # the documented maximum of `limit` (default 20)
MAX_CURSOR_LENGTH = 1_000  # an opaque cursor is sent back as given: a longer one is not a cursor


@dataclass(frozen=True, slots=True)
class FieldHistoryEntry:
    """One recorded value of a field: what it was, and when the server recorded it."""

    value: Any  # None when the field was cleared
    value_type: str
    display_value: str
    recorded_at: datetime  # aware, as the server stamped it
    is_create: bool  # the record's original value (set only when the whole history fits one page)


@dataclass(frozen=True, slots=True)
class FieldHistoryPage:
    entries: tuple[FieldHistoryEntry, ...]  # newest first, as answered
    has_more: bool
    next_cursor: str | None

    @property
    def newest(self) -> FieldHistoryEntry | None:
        """The most recently recorded entry of the page (by its time, whatever the order answered)."""
        return max(self.entries, key=lambda entry: entry.recorded_at, default=None)


def parse_history_page(wire: Any, endpoint: str, limit: int) -> FieldHistoryPage:
    """A history answer, checked against the documented shape and the `limit` asked for."""
    if not isinstance(wire, dict):
        raise UnexpectedAnswer(endpoint, "the history page is not an object")
    data = wire.get("data")
    if not isinstance(data, list):
        raise UnexpectedAnswer(endpoint, "`data` is not a list of history entries")
    if len(data) > limit:
        raise UnexpectedAnswer(endpoint, f"{len(data)} history entries for a limit of {limit}")
    has_more = wire.get("hasMore", False)
    if not isinstance(has_more, bool):
        raise UnexpectedAnswer(endpoint, "`hasMore` is not true or false")
    cursor = wire.get("nextCursor")
    if cursor is not None and not (isinstance(cursor, str) and 0 < len(cursor) <= MAX_CURSOR_LENGTH):
        raise UnexpectedAnswer(endpoint, "`nextCursor` is not a cursor (a short string, or null)")
    if has_more and cursor is None:
        raise UnexpectedAnswer(endpoint, "`hasMore` is true without a `nextCursor`")
    return FieldHistoryPage(tuple(_entry(item, endpoint, n) for n, item in enumerate(data)), has_more, cursor)


def _entry(wire: Any, endpoint: str, number: int) -> FieldHistoryEntry:
    where = f"data[{number}]"
    if not isinstance(wire, dict):
        raise UnexpectedAnswer(endpoint, f"{where} is not a history entry")
    recorded_at = parse_record_time(wire.get("recordedAt"))
    if recorded_at is None:
        raise UnexpectedAnswer(endpoint, f"{where}.recordedAt is not an ISO 8601 time")
    value_type, display = wire.get("valueType"), wire.get("displayValue")
    return FieldHistoryEntry(
        value=wire.get("value"),
        value_type=value_type if isinstance(value_type, str) else "",
        display_value=display if isinstance(display, str) else "",
        recorded_at=recorded_at,
        is_create=wire.get("isCreate") is True,
    )


async def read_field_history(
    client: LightfieldClient, kind: RecordKind, record_id: str, key: str, *, limit: int = 1, after: str | None = None
) -> FieldHistoryPage:
    """One page of a field's history, newest first (a Read request, retried like every read)."""
    if not kind.field_history:
        raise ValueError(f"the API keeps no field history of {kind.declaration_key}")
    limit = max(1, min(limit, HISTORY_MAX_LIMIT))
    path = kind.field_history_path(record_id, key)
    params: dict[str, Any] = {"limit": limit, **({"after": after} if after is not None else {})}
    return parse_history_page(await client.read(path, "read", params), f"GET {path}", limit)
