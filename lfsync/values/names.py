"""A record's name as people read it in plans: an account's or opportunity's `$name` text, a
contact's FULL_NAME parts joined ("Ada Lovelace"), or, for a contact without one, its first email;
a task's or note's `$title`."""

from __future__ import annotations

from typing import Any, Mapping

from lfsync.values.types import FULL_NAME_PARTS


def name_text(value: Any) -> str | None:
    """`$name` as text: a string as it is, a FULL_NAME mapping's non-empty parts joined by a space;
    None for anything else (or a name of no parts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        parts = [part for key in FULL_NAME_PARTS if isinstance(part := value.get(key), str) and part]
        return " ".join(parts) if parts else None
    return None


def record_name(fields: Mapping[str, Any]) -> str:
    """How a record is named: its `$name` as text, else its `$title` (tasks, notes), else its first
    `$email`, else ""."""
    name = name_text(fields.get("$name"))
    if name:
        return name
    title = fields.get("$title")
    if isinstance(title, str) and title:
        return title
    emails = fields.get("$email")
    if isinstance(emails, list) and emails and isinstance(emails[0], str):
        return emails[0]
    return emails if isinstance(emails, str) else ""
