"""`lfsync import ADDRESS ID`: record an existing record (account, contact, opportunity, list, ...)
under a declared address of its kind (nothing is sent but a read); the next plan shows every declared
value as an update (but a list's `$objectType`, recorded as found: lfsync.plan.list_members). The ID
must be of the address's kind (its prefix: `acc_`, `con_`, `opp_`)."""

from __future__ import annotations

from pathlib import Path

from lfsync.api.client import ApiError
from lfsync.api.ids import id_problem
from lfsync.api.records import ApiRecord
from lfsync.config.project import Project
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import DECLARABLE_KINDS, kind_of_address
from lfsync.kinds.record_kind import RecordKind
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import load_declared
from lfsync.plan.list_members import found_payload
from lfsync.state.records import CreateIntent, ResourceState
from lfsync.state.workspace import locked_state
from lfsync.support import asyncrun


def import_record(directory: Path, address: str, record_id: str, lock_timeout: float = 0.0, workspace: str | None = None) -> None:
    """`lfsync import`: record an existing record under a declared address (nothing is sent but a read)."""
    if _declarable(address):
        _check_id_of_kind(address, kind_of_address(address), record_id)
    declared = load_declared(directory, workspace)
    if address not in declared.desired:
        raise LfsyncError(f"{address} is not declared; declare it first, then import it")
    with locked_state(declared.project, "import", lock_timeout) as state:
        if address in state.resources:
            raise LfsyncError(f"{address} is already in state as {state.resources[address].id}; `lfsync state rm` it first")
        for other, managed in state.resources.items():
            if managed.id == record_id:
                raise LfsyncError(f"{record_id} is already managed as {other}")
        record = asyncrun.run(_retrieve(declared.project, kind_of_address(address), record_id))
        for intent in [i for i in state.pending.values() if i.address == address and isinstance(i, CreateIntent)]:
            state.reject(intent, f"settled by `lfsync import {address} {record_id}`", abandoned=True)
        resources = dict(state.resources)
        resources[address] = ResourceState(
            id=record.id,
            hash="",  # nothing applied yet: the next plan shows every declared value as an update
            http_link=record.http_link,
            created_at=record.created_at,
            updated_at=record.updated_at,
            applied=found_payload(address, record.fields),  # a list's $objectType as found
        )
        state.replace_resources(resources)


async def _retrieve(project: Project, kind: RecordKind, record_id: str) -> ApiRecord:
    async with open_client(project) as client:
        try:
            return await client.retrieve(kind, record_id)
        except ApiError as error:
            raise LfsyncError(f"cannot import {record_id}: {error.describe()}") from None


def _check_id_of_kind(address: str, kind: RecordKind, record_id: str) -> None:
    """Refuse an ID that is not one of `kind`'s, naming the kind it is of where its prefix says."""
    problem = id_problem(record_id)
    if problem:
        raise LfsyncError(f"cannot import {record_id[:80]!r}: {problem}")
    if kind.id_prefix is not None and not kind.owns_id(record_id):
        owner = next((other for other in DECLARABLE_KINDS if other.owns_id(record_id)), None)
        said = f"; it is {_a(owner.name)}'s ID" if owner is not None else ""
        raise LfsyncError(
            f"cannot import {record_id!r} as {address}: {_a(kind.name)}'s ID starts with {kind.id_prefix!r}{said}"
        )


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _declarable(address: str) -> bool:
    try:
        kind_of_address(address)
    except KeyError:
        return False
    return True
