"""Workspace members (read-only, from the fixture) in their wire form."""

from __future__ import annotations

from typing import Any

from .fixture import Member

MEMBER_CREATED_AT = "2026-01-01T00:00:00.000Z"


def render_member(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "createdAt": MEMBER_CREATED_AT,
        "updatedAt": MEMBER_CREATED_AT,
        "httpLink": None,
        "fields": {
            "$email": {"value": member.email, "valueType": "EMAIL"},
            "$name": {
                "value": {"firstName": member.first_name, "lastName": member.last_name},
                "valueType": "FULL_NAME",
            },
            "$profileImage": {"value": None, "valueType": "URL"},
            "$role": {"value": member.role, "valueType": "TEXT"},
        },
        "relationships": {
            "$user": {"cardinality": "HAS_ONE", "objectType": "user", "values": [member.user_id]},
        },
    }
