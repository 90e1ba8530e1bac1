"""A managed list read back with its members, for refresh (lfsync.remote.refresh.refresh_lists), and a
listed list given its members, for export.

A list record has no `relationships` and no `updatedAt`, the API lists no trashed lists, and a
trashed list may still answer a retrieve; what it holds is read from `GET /v1/lists/{id}/<type>`,
which answers 404 for a trashed or deleted list. So each managed list costs a members read (page
by page) and a retrieve, and a list whose members read answers 404 is "missing": a list cannot be
restored through the API, so the planner creates it again (a new ID, its members added again).
lfsync.remote.refresh compares the fields and members read with those last applied.
"""

from __future__ import annotations

import dataclasses

from lfsync.api.client import ApiError, LightfieldClient
from lfsync.api.list_members import list_members
from lfsync.api.records import ApiRecord, RelationshipValue
from lfsync.kinds.catalogue import LIST
from lfsync.kinds.lists import LIST_DEFINITIONS, OBJECT_TYPE_FIELD, member_type_of
from lfsync.state.records import ResourceState


async def read_list(client: LightfieldClient, resource: ResourceState) -> ApiRecord | None:
    """The list `resource` names, its members as its relationship (`$accounts`: their IDs), or None
    when it is trashed or gone (its members read answers 404)."""
    object_type = resource.applied.get("fields", {}).get(OBJECT_TYPE_FIELD)
    try:
        members = await list_members(client, LIST, resource.id, object_type)
        record = await client.retrieve(LIST, resource.id)
    except ApiError as error:
        if error.status == 404:
            return None
        raise
    return _holding(record, object_type, members)


async def with_members(client: LightfieldClient, record: ApiRecord) -> ApiRecord:
    """A list record as listed (no relationships), its members read as its relationship (`$accounts`:
    their IDs), by the `$objectType` it holds (`lfsync export`). ApiError 404 when it is trashed meanwhile."""
    object_type = record.fields.get(OBJECT_TYPE_FIELD)
    return _holding(record, object_type, await list_members(client, LIST, record.id, object_type))


def _holding(record: ApiRecord, object_type: object, members: list[ApiRecord]) -> ApiRecord:
    member_type = member_type_of(object_type)
    if member_type is None:
        return record
    held = RelationshipValue(tuple(member.id for member in members), "HAS_MANY")
    return dataclasses.replace(record, relationships={member_type.key: held})



def list_filter_problem(query: dict[str, str]) -> str | None:
    """Why an export's filters cannot be asked of lists (they take none: lfsync narrows them by
    equality on their own fields, lfsync.api.listing.local_filters), or None."""
    fields = LIST_DEFINITIONS["fieldDefinitions"]
    for key in query:
        name, _, operator = key.partition("[")
        if name not in fields:
            return f"lists have no field {name!r} to filter on (they have {', '.join(fields)})"
        if operator not in ("", "equal]"):
            return f"lists take only equality filters (KEY=VALUE), not {key!r}"
    return None
