"""--refresh: read the managed records back and express them in the shape of the applied payloads.

The API reads values back normalised (select labels as option IDs, datetimes in UTC, phone numbers
in E.164), so a value counts as drifted only when its canonical form (lfsync.values) differs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Mapping

from lfsync.lightfield import ApiError, LightfieldClient, gather_bounded
from lfsync.plan import RemoteRecord, RemoteStatus
from lfsync.resources import relationship_ids
from lfsync.state import State
from lfsync.values import FieldSpec, ValueProblem, canonical_value

NUMBER_TYPES = {"NUMBER", "CURRENCY"}


async def refresh_remote(
    client: LightfieldClient,
    state: State,
    fields_by_key: Mapping[str, FieldSpec],
    on_read: Callable[[int, int], None] | None = None,
) -> dict[str, RemoteRecord]:
    trashed = await trashed_records(client) if state.resources else {}

    async def read(resource) -> RemoteRecord:
        try:
            record = await client.retrieve_account(resource.id)
        except ApiError as error:
            if error.status != 404:
                raise
            # The docs' 404 covers "...or was deleted": a trashed record may answer it. Only a record
            # in neither place is gone.
            if resource.id not in trashed:
                return RemoteRecord("missing")
            record = trashed[resource.id]
        status: RemoteStatus = "trashed" if resource.id in trashed else "present"
        return RemoteRecord(status, observed_payload(resource.applied, record, fields_by_key))

    return await gather_bounded(
        {address: read(resource) for address, resource in state.resources.items()}, on_done=on_read
    )


async def trashed_records(client: LightfieldClient) -> dict[str, dict]:
    """ID -> record of every account in the trash (the list is the one place a trashed record is
    sure to show: retrieve may answer it with 404)."""
    try:
        return {record["id"]: record for record in await client.list_all_accounts(status="trashed")}
    except ApiError as error:
        if error.status == 403:  # listing the trash needs accounts:restore; without it, trash looks present
            return {}
        raise


def observed_payload(applied: dict, record: dict, fields_by_key: Mapping[str, FieldSpec]) -> dict:
    """`applied` with every managed value the server no longer holds replaced by what it holds
    (in canonical form, so the plan shows it as the declarations would spell it)."""
    fields: dict[str, Any] = {}
    server_fields = record.get("fields", {})
    for key, mine in applied.get("fields", {}).items():
        theirs = server_fields.get(key, {}).get("value")
        spec = fields_by_key.get(key)
        if theirs is None:
            continue  # cleared on the server: observed as absent
        fields[key] = mine if same_value(mine, theirs, spec) else _canonical_or_raw(spec, theirs)
    relationships: dict[str, Any] = {}
    server_relationships = record.get("relationships", {})
    for key, mine in applied.get("relationships", {}).items():
        theirs = written_values(server_relationships.get(key, {}))
        if sorted(relationship_ids(mine)) == sorted(theirs):
            relationships[key] = mine
        elif theirs:
            relationships[key] = theirs[0] if isinstance(mine, str) and len(theirs) == 1 else list(theirs)
    return {"fields": fields, "relationships": relationships}


def _canonical_or_raw(spec: FieldSpec | None, value: Any) -> Any:
    try:
        return canonical_value(spec, value) if spec is not None else value
    except ValueProblem:
        return value


def written_values(relationship: dict) -> list[str]:
    """The IDs this record links to. A self-referential relationship reads back both directions
    in `values` (a parent lists its children too); what was written is the source direction."""
    directions = relationship.get("directions")
    if directions:
        return list(directions.get("asSource", {}).get("values", []))
    return list(relationship.get("values", []))


def same_value(mine: Any, theirs: Any, spec: FieldSpec | None) -> bool:
    """Whether a managed value and the value read back are the same once both are in the canonical
    form (lfsync.values). Address parts we do not manage (enrichment may add some) are not drift."""
    if spec is None:
        return bool(mine == theirs)
    try:
        mine, theirs = canonical_value(spec, mine), canonical_value(spec, theirs)
    except ValueProblem:
        return bool(mine == theirs)
    if spec.value_type == "ADDRESS" and isinstance(mine, dict) and isinstance(theirs, dict):
        return all(theirs.get(part) == value for part, value in mine.items())
    if spec.value_type in NUMBER_TYPES and _is_number(mine) and _is_number(theirs):
        return Decimal(str(mine)) == Decimal(str(theirs))
    return bool(mine == theirs)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
