"""Account IDs declared directly in relationships (`parentAccount: acc_...`) must name live
accounts of the organisation: the API answers 422 (relationship_entity_missing or _inactive)
otherwise. Checked when the target can be asked; references (`account.<key>`) need no check."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.api.client import ApiError, LightfieldClient, gather_bounded
from lfsync.declare.addresses import is_lightfield_id
from lfsync.declare.model import Declarations
from lfsync.errors import Problem, SourceLocation, problem_order
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.kinds.record_kind import RecordKind
from lfsync.remote.refresh import trashed_records


def ids_named(declarations: Declarations, kind: RecordKind) -> dict[str, list[tuple[SourceLocation, str]]]:
    """ID of a record of `kind` -> where it is named (location, `relationships.<key> of <address>`)."""
    named: dict[str, list[tuple[SourceLocation, str]]] = {}
    for address, account in declarations.accounts.items():
        for key, value in account.relationships.items():
            for target in value if isinstance(value, list) else [value]:
                if is_lightfield_id(target) and kind.owns_id(target):
                    named.setdefault(target, []).append((account.relationship_location(key), f"relationships.{key} of {address}"))
    return named


async def linked_account_problems(
    client: LightfieldClient, declarations: Declarations, kinds: Iterable[RecordKind] = (ACCOUNT,)
) -> list[Problem]:
    """Every problem with a record of `kinds` named by ID, in problem order. Only the kinds a
    project declares are read: a key for an accounts-only project may lack `contacts:read`."""
    problems: list[Problem] = []
    for kind in kinds:
        problems += await linked_problems(client, declarations, kind)
    return sorted(problems, key=problem_order)


async def linked_problems(client: LightfieldClient, declarations: Declarations, kind: RecordKind) -> list[Problem]:
    named = ids_named(declarations, kind)
    if not named:
        return []
    trashed = await trashed_records(client, kind)
    found = await gather_bounded({record_id: _exists(client, kind, record_id) for record_id in named if record_id not in trashed})
    problems: list[Problem] = []
    for record_id, places in named.items():
        if record_id in trashed:
            why = f"is in the trash (restore it in Lightfield, or link another {kind.name})"
        elif not found[record_id]:
            why = f"is no {kind.name} of this organisation"
        else:
            continue
        problems += [Problem(f"{what}: {record_id} {why}", where) for where, what in places]
    return problems


async def _exists(client: LightfieldClient, kind: RecordKind, record_id: str) -> bool:
    try:
        await client.retrieve(kind, record_id)
    except ApiError as error:
        if error.status == 404:
            return False
        raise
    return True
