"""The members of a list (lightfield-api-objects.md "Lists"): read page by page from
`GET /v1/lists/{id}/accounts|contacts|opportunities`, each page shaped like its member kind's list
answer, bounded like every list read (lfsync.api.client.LightfieldClient.list_all). A trashed or
deleted list answers them 404: the one read that tells a trashed list apart (it may still answer
a retrieve, and the API lists no trashed lists)."""

from __future__ import annotations

from typing import Any

from lfsync.api.client import LightfieldClient
from lfsync.api.records import ApiRecord, parse_record
from lfsync.kinds.catalogue import kind_named
from lfsync.kinds.lists import member_type_of
from lfsync.kinds.record_kind import RecordKind, path_segment


async def list_members(client: LightfieldClient, kind: RecordKind, list_id: str, object_type: Any) -> list[ApiRecord]:
    """The records list `list_id` holds, each in its own kind's record form (`object_type`: the
    list's `$objectType`; a value of no member type holds none). ApiError 404 when it is trashed or gone."""
    member_type = member_type_of(object_type)
    if member_type is None:
        await client.retrieve(kind, list_id)  # still tells a list that is gone
        return []
    path = f"{kind.record_path(list_id)}/{path_segment(member_type.path)}"
    member_kind = kind_named(member_type.kind_name)
    return [
        parse_record(record, f"GET {path}", member_kind.read_back)
        for record in await client.list_all(path, member_kind.most_listed)
    ]
