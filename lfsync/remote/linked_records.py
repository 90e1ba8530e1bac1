"""Account IDs declared directly in relationships (`parentAccount: acc_...`) must name live
accounts of the organisation: the API answers 422 (relationship_entity_missing or _inactive)
otherwise. Checked when the target can be asked; references (`account.<key>`) need no check."""

from __future__ import annotations

from lfsync.api.client import ApiError, LightfieldClient, gather_bounded
from lfsync.declare.addresses import is_lightfield_id
from lfsync.declare.model import Declarations
from lfsync.errors import Problem, SourceLocation, problem_order
from lfsync.remote.refresh import trashed_records

ACCOUNT_ID_PREFIX = "acc_"


def account_ids_named(declarations: Declarations) -> dict[str, list[tuple[SourceLocation, str]]]:
    """account ID -> where it is named (location, `relationships.<key> of <address>`)."""
    named: dict[str, list[tuple[SourceLocation, str]]] = {}
    for address, account in declarations.accounts.items():
        for key, value in account.relationships.items():
            for target in value if isinstance(value, list) else [value]:
                if is_lightfield_id(target) and target.startswith(ACCOUNT_ID_PREFIX):
                    named.setdefault(target, []).append((account.relationship_location(key), f"relationships.{key} of {address}"))
    return named


async def linked_account_problems(client: LightfieldClient, declarations: Declarations) -> list[Problem]:
    named = account_ids_named(declarations)
    if not named:
        return []
    trashed = await trashed_records(client)
    found = await gather_bounded({account_id: _exists(client, account_id) for account_id in named if account_id not in trashed})
    problems: list[Problem] = []
    for account_id, places in named.items():
        if account_id in trashed:
            why = "is in the trash (restore it in Lightfield, or link another account)"
        elif not found[account_id]:
            why = "is no account of this organisation"
        else:
            continue
        problems += [Problem(f"{what}: {account_id} {why}", where) for where, what in places]
    return sorted(problems, key=problem_order)


async def _exists(client: LightfieldClient, account_id: str) -> bool:
    try:
        await client.retrieve_account(account_id)
    except ApiError as error:
        if error.status == 404:
            return False
        raise
    return True
