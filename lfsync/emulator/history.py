"""Field history of a record (`GET /v1/<type>/{id}/fields/{key}/history`, decision 20): entries
from the record's stored versions, newest first, paged by an opaque `after` cursor."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from . import decisions
from .errors import invalid_type, unknown_field
from .paging import int_param
from .schema import FieldDefinition
from .store import RecordVersion
from .values import display_value, format_utc


def check_history_field(definition: FieldDefinition | None, field_key: str, column_backed: frozenset[str]) -> FieldDefinition:
    if definition is None:
        raise unknown_field("fieldKey", f"Unknown field `{field_key}`.")
    if field_key in column_backed:
        raise invalid_type("fieldKey", f"`{field_key}` is a column-backed system field: it keeps no history.")
    return definition


def history_page(definition: FieldDefinition, versions: list[RecordVersion], query: Mapping[str, str]) -> dict[str, Any]:
    limit = int_param(query, "limit", decisions.HISTORY_DEFAULT_LIMIT, 1, decisions.HISTORY_MAX_LIMIT)
    before_version = _history_cursor(query.get("after"))

    entries: list[tuple[int, float, Any]] = []  # oldest first, repeats collapsed
    for version in versions:
        value = version.fields.get(definition.key)
        if (not entries and value is None) or (entries and entries[-1][2] == value):
            continue
        entries.append((version.version, version.written_at, value))
    entries.reverse()
    if before_version is not None:
        entries = [e for e in entries if e[0] < before_version]
    page, has_more = entries[:limit], len(entries) > limit
    whole_history = before_version is None and not has_more
    return {
        "data": [
            {
                "value": value,
                "valueType": definition.value_type,
                "displayValue": display_value(definition, value),
                "recordedAt": iso_timestamp(written_at),
                "isCreate": whole_history and number == 1,
            }
            for number, written_at, value in page
        ],
        "hasMore": has_more,
        "nextCursor": f"v{page[-1][0]}" if has_more else None,
    }


def _history_cursor(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.startswith("v") and text[1:].isdigit()):
        raise invalid_type("after", "`after` must be a cursor from a previous response.")
    return int(text[1:])


def iso_timestamp(timestamp: float) -> str:
    return format_utc(datetime.fromtimestamp(timestamp, timezone.utc))
