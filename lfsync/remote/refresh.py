"""--refresh: read the managed records back and express them in the shape of the applied payloads.

They are read through list pages (25 records a request) and retrieved one by one only where a list
copy cannot be trusted: the list is served from a search index that lags writes.

The API reads values back normalised (select labels as option IDs, datetimes in UTC, phone numbers
in E.164), so a value counts as drifted only when its canonical form (lfsync.values.types) differs.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Mapping

from lfsync.api.client import READ_CONCURRENCY, ApiError, LightfieldClient, gather_bounded
from lfsync.api.records import ApiRecord
from lfsync.kinds.catalogue import LIST, kind_of_address
from lfsync.kinds.record_kind import RecordKind
from lfsync.plan.model import RemoteRecord, RemoteStatus
from lfsync.plan.resources import relationship_ids
from lfsync.remote.list_members import read_list
from lfsync.state.records import ResourceState
from lfsync.state.workspace import State
from lfsync.values.types import FieldSpec, ValueProblem, canonical_value

NUMBER_TYPES = {"NUMBER", "CURRENCY"}
ReadCallback = Callable[[int, int], None]
# label -> a context yielding `(done, total)` callbacks (lfsync.ui.progress.reading_progress)
Reading = Callable[[str], AbstractContextManager[ReadCallback | None]]


def _quiet(label: str) -> AbstractContextManager[ReadCallback | None]:
    return nullcontext(None)


@dataclass
class Listed:
    """The list copies of the organisation's records of one kind: ID -> record, active and trashed."""

    active: dict[str, ApiRecord] = field(default_factory=dict)
    trashed: dict[str, ApiRecord] = field(default_factory=dict)  # empty when the key may not list the trash


async def refresh_remote(
    client: LightfieldClient, state: State, fields_by_kind: Mapping[str, Mapping[str, FieldSpec]], reading: Reading = _quiet
) -> dict[str, RemoteRecord]:
    """Every managed record as the server holds it, read through list pages (25 records a request),
    and retrieved one by one only where a list copy cannot be trusted: missing from both lists
    (index lag, a trash that answers 404, gone), older than lfsync's last write (index lag), or,
    without a recorded write time, showing drift that a fresh read must confirm. `fields_by_kind`:
    each kind's field definitions by kind name (a value is compared by its own kind's field)."""
    if not state.resources:
        return {}
    by_kind: dict[RecordKind, dict[str, ResourceState]] = {}
    for address, resource in state.resources.items():
        by_kind.setdefault(kind_of_address(address), {})[address] = resource
    found: dict[str, RemoteRecord] = {}
    for kind, resources in by_kind.items():
        if kind is LIST:  # lists: each read with its members (lfsync.remote.list_members)
            with reading(f"refresh: reading {len(resources)} {kind.declaration_key} and their members") as progress:
                found.update(await refresh_lists(client, resources, fields_by_kind.get(kind.name, {}), progress))
        else:
            found.update(await refresh_kind(client, kind, resources, fields_by_kind.get(kind.name, {}), reading))
    return {address: found[address] for address in state.resources}


async def refresh_kind(
    client: LightfieldClient,
    kind: RecordKind,
    resources: Mapping[str, ResourceState],
    fields_by_key: Mapping[str, FieldSpec],
    reading: Reading,
) -> dict[str, RemoteRecord]:
    """`refresh_remote` for the managed records of one kind."""
    with reading(f"refresh: listing {kind.declaration_key}") as progress:
        listed = await list_records(client, kind, progress)
    found: dict[str, RemoteRecord] = {}
    unsettled: dict[str, ResourceState] = {}
    for address, resource in resources.items():
        trusted = trusted_copy(resource, listed, fields_by_key)
        if trusted is None:
            unsettled[address] = resource
        else:
            found[address] = trusted
    if unsettled:
        label = f"refresh: reading {len(unsettled)} {kind.name}(s) the lists did not settle"
        with reading(label) as progress:
            found.update(await retrieve_each(client, kind, unsettled, listed.trashed, fields_by_key, progress))
    return found


async def refresh_lists(
    client: LightfieldClient,
    resources: Mapping[str, ResourceState],
    fields_by_key: Mapping[str, FieldSpec],
    on_read: ReadCallback | None = None,
) -> dict[str, RemoteRecord]:
    """Every managed list in `resources` as the server holds it: present (fields and members, as
    its relationship) or missing (trashed or gone: a list cannot be restored, so it is created again)."""

    async def read(resource: ResourceState) -> RemoteRecord:
        record = await read_list(client, resource)
        if record is None:
            return RemoteRecord("missing")
        return RemoteRecord("present", observed_payload(resource.applied, record, fields_by_key))

    return await gather_bounded({address: read(resource) for address, resource in resources.items()}, on_done=on_read)


async def list_records(client: LightfieldClient, kind: RecordKind, on_page: ReadCallback | None = None) -> Listed:
    """Both lists at once (they share the search bucket), pages asked ahead."""
    counts = {"active": (0, 0), "trashed": (0, 0)}

    def progress(status: str) -> ReadCallback:
        def seen(read: int, total: int) -> None:
            counts[status] = (read, total)
            if on_page:
                on_page(sum(r for r, _ in counts.values()), sum(t for _, t in counts.values()))
        return seen

    active, trashed = await asyncio.gather(
        client.list_records(kind, on_page=progress("active"), window=READ_CONCURRENCY, status="active"),
        trashed_records(client, kind, on_page=progress("trashed"), window=READ_CONCURRENCY),
    )
    return Listed(_by_id(active), trashed)


async def trashed_records(
    client: LightfieldClient, kind: RecordKind, on_page: ReadCallback | None = None, window: int = 1
) -> dict[str, ApiRecord]:
    """ID -> record of every record of `kind` in the trash (the list is the one place a trashed
    record is sure to show: retrieve may answer it with 404)."""
    try:
        return _by_id(await client.list_records(kind, on_page=on_page, window=window, status="trashed"))
    except ApiError as error:
        if error.status == 403:  # listing the trash needs the restore scope; without it, trash looks present
            return {}
        raise


def _by_id(records: list[ApiRecord]) -> dict[str, ApiRecord]:
    return {record.id: record for record in records}


def trusted_copy(
    resource: ResourceState, listed: Listed, fields_by_key: Mapping[str, FieldSpec]
) -> RemoteRecord | None:
    """The record as its list copy shows it, or None when the copy must be checked by a retrieve."""
    active, trashed = listed.active.get(resource.id), listed.trashed.get(resource.id)
    copy: ApiRecord
    status: RemoteStatus
    if active is not None and trashed is None:
        copy, status = active, "present"
    elif trashed is not None and active is None:
        copy, status = trashed, "trashed"
    else:  # in neither list, or (mid-move) in both
        return None
    observed = observed_payload(resource.applied, copy, fields_by_key)
    if resource.updated_at is not None:
        return RemoteRecord(status, observed) if not_older(copy.updated_at, resource.updated_at) else None
    # No write time recorded (state from before it was): trust only a copy that shows nothing to do.
    return RemoteRecord(status, observed) if status == "present" and observed == resource.applied else None


def not_older(copy_time: Any, written_time: str) -> bool:
    """Whether a list copy's updatedAt is at least the one lfsync's last write was answered with."""
    copy, written = _instant(copy_time), _instant(written_time)
    return copy is not None and written is not None and copy >= written


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


async def retrieve_each(
    client: LightfieldClient,
    kind: RecordKind,
    resources: Mapping[str, ResourceState],
    trashed: Mapping[str, ApiRecord],
    fields_by_key: Mapping[str, FieldSpec],
    on_read: ReadCallback | None = None,
) -> dict[str, RemoteRecord]:
    """One retrieve per record (`trashed`: the trash list, ID -> record)."""

    async def read(resource: ResourceState) -> RemoteRecord:
        try:
            record = await client.retrieve(kind, resource.id)
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

    return await gather_bounded({address: read(resource) for address, resource in resources.items()}, on_done=on_read)


def observed_payload(applied: dict, record: ApiRecord, fields_by_key: Mapping[str, FieldSpec]) -> dict:
    """`applied` with every managed value the server no longer holds replaced by what it holds
    (in canonical form, so the plan shows it as the declarations would spell it)."""
    fields: dict[str, Any] = {}
    server_fields = record.fields
    for key, mine in applied.get("fields", {}).items():
        theirs = server_fields.get(key)
        spec = fields_by_key.get(key)
        if theirs is None:
            continue  # cleared on the server: observed as absent
        fields[key] = mine if same_value(mine, theirs, spec) else _canonical_or_raw(spec, theirs)
    relationships: dict[str, Any] = {}
    server_relationships = record.relationships
    for key, mine in applied.get("relationships", {}).items():
        held = server_relationships.get(key)
        theirs = list(held.ids) if held is not None else []
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


def same_value(mine: Any, theirs: Any, spec: FieldSpec | None) -> bool:
    """Whether a managed value and the value read back are the same once both are in the canonical
    form (lfsync.values.types). Address parts we do not manage (enrichment may add some) are not drift."""
    if spec is None or mine == theirs:  # equal values are equal in canonical form too: the usual case, checked cheaply
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
