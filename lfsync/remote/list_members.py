"""--refresh for lists: each managed list read back with its members.

A list record has no `relationships` and no `updatedAt`, the API lists no trashed lists, and a
trashed list may still answer a retrieve; what it holds is read from `GET /v1/lists/{id}/<type>`,
which answers 404 for a trashed or deleted list. So each managed list costs a members read (page
by page) and a retrieve, and a list whose members read answers 404 is "missing": a list cannot be
restored through the API, so the planner creates it again (a new ID, its members added again).
Change is found by comparing fields and members with those last applied (lfsync.remote.refresh).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from lfsync.api.client import ApiError, LightfieldClient, gather_bounded
from lfsync.api.list_members import list_members
from lfsync.api.records import ApiRecord, RelationshipValue
from lfsync.kinds.catalogue import LIST
from lfsync.kinds.lists import OBJECT_TYPE_FIELD, member_type_of
from lfsync.plan.model import RemoteRecord
from lfsync.remote.refresh import ReadCallback, observed_payload
from lfsync.state.records import ResourceState
from lfsync.values.types import FieldSpec


async def refresh_lists(
    client: LightfieldClient,
    resources: Mapping[str, ResourceState],
    fields_by_key: Mapping[str, FieldSpec],
    on_read: ReadCallback | None = None,
) -> dict[str, RemoteRecord]:
    """Every managed list in `resources` as the server holds it: present (fields and members) or missing."""

    async def read(resource: ResourceState) -> RemoteRecord:
        record = await read_list(client, resource)
        if record is None:
            return RemoteRecord("missing")
        return RemoteRecord("present", observed_payload(resource.applied, record, fields_by_key))

    return await gather_bounded({address: read(resource) for address, resource in resources.items()}, on_done=on_read)


async def read_list(client: LightfieldClient, resource: ResourceState) -> ApiRecord | None:
    """The list `resource` names, its members as its relationship (`$accounts`: their IDs), or None
    when it is trashed or gone (its members read answers 404)."""
    object_type = resource.applied.get("fields", {}).get(OBJECT_TYPE_FIELD)
    member_type = member_type_of(object_type)
    try:
        members = await list_members(client, LIST, resource.id, object_type)
        record = await client.retrieve(LIST, resource.id)
    except ApiError as error:
        if error.status == 404:
            return None
        raise
    if member_type is None:
        return record
    held = RelationshipValue(tuple(member.id for member in members), "HAS_MANY")
    return dataclasses.replace(record, relationships={member_type.key: held})

