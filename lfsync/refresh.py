"""--refresh: read the managed records back and express them in the shape of the applied payloads.

The API reads values back normalised (select labels as option IDs, datetimes in UTC, phone numbers
in E.164), so a value counts as drifted only when it differs after the same normalisation.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from lfsync.lightfield import ApiError, LightfieldClient, gather_bounded
from lfsync.plan import RemoteRecord, RemoteStatus
from lfsync.resources import relationship_ids
from lfsync.state import State

SELECT_TYPES = {"SINGLE_SELECT", "MULTI_SELECT"}
# Normalised by the API in ways we don't reproduce: compared only for presence.
PRESENCE_ONLY_TYPES = {"TELEPHONE", "SOCIAL_HANDLE"}


async def refresh_remote(
    client: LightfieldClient, state: State, on_read: Callable[[int, int], None] | None = None
) -> dict[str, RemoteRecord]:
    definitions = (await client.definitions()).get("fieldDefinitions", {})
    trashed = await _trashed_records(client) if state.resources else {}

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
        return RemoteRecord(status, observed_payload(resource.applied, record, definitions))

    return await gather_bounded(
        {address: read(resource) for address, resource in state.resources.items()}, on_done=on_read
    )


async def _trashed_records(client: LightfieldClient) -> dict[str, dict]:
    """ID -> record of every account in the trash (the list is the one place a trashed record is
    sure to show: retrieve may answer it with 404)."""
    try:
        return {record["id"]: record for record in await client.list_all_accounts(status="trashed")}
    except ApiError as error:
        if error.status == 403:  # listing the trash needs accounts:restore; without it, trash looks present
            return {}
        raise


def observed_payload(applied: dict, record: dict, definitions: dict) -> dict:
    """`applied` with every managed value the server no longer holds replaced by what it holds."""
    fields: dict[str, Any] = {}
    server_fields = record.get("fields", {})
    for key, mine in applied.get("fields", {}).items():
        theirs = server_fields.get(key, {}).get("value")
        definition = definitions.get(key, {})
        if theirs is None:
            continue  # cleared on the server: observed as absent
        fields[key] = mine if same_value(mine, theirs, definition) else theirs
    relationships: dict[str, Any] = {}
    server_relationships = record.get("relationships", {})
    for key, mine in applied.get("relationships", {}).items():
        theirs = written_values(server_relationships.get(key, {}))
        if sorted(relationship_ids(mine)) == sorted(theirs):
            relationships[key] = mine
        elif theirs:
            relationships[key] = theirs[0] if isinstance(mine, str) and len(theirs) == 1 else list(theirs)
    return {"fields": fields, "relationships": relationships}


def written_values(relationship: dict) -> list[str]:
    """The IDs this record links to. A self-referential relationship reads back both directions
    in `values` (a parent lists its children too); what was written is the source direction."""
    directions = relationship.get("directions")
    if directions:
        return list(directions.get("asSource", {}).get("values", []))
    return list(relationship.get("values", []))


def same_value(mine: Any, theirs: Any, definition: dict) -> bool:
    value_type = definition.get("valueType")
    if value_type in PRESENCE_ONLY_TYPES:
        return True
    if value_type in SELECT_TYPES:
        options = (definition.get("typeConfiguration") or {}).get("options", [])
        by_label = {option.get("label"): option.get("id") for option in options}
        return sorted(by_label.get(v, v) for v in _as_list(mine)) == sorted(_as_list(theirs))
    if value_type == "DATETIME":
        return _instant(mine) == _instant(theirs)
    if value_type in ("NUMBER", "CURRENCY") and isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
        return abs(float(mine) - float(theirs)) < 0.005
    if value_type == "ADDRESS" and isinstance(mine, dict) and isinstance(theirs, dict):
        return all(theirs.get(k) == v for k, v in mine.items())
    if value_type in ("URL", "EMAIL"):
        return _as_list(mine) == _as_list(theirs)
    return mine == theirs


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list) else [value]


def _instant(value: Any) -> Any:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment
