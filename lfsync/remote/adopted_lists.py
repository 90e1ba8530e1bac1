"""--adopt of a list: a list found with the declared name but another `$objectType` cannot be
adopted (an update cannot change `$objectType`, nor carry it), so the plan is refused, naming
the list found and where the declaration is, before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.api.records import ApiRecord
from lfsync.kinds.lists import OBJECT_TYPE_FIELD, member_type_of
from lfsync.plan.list_members import is_unrestorable
from lfsync.plan.resources import DesiredAccount


def object_type_refusals(account: DesiredAccount, found: Iterable[ApiRecord]) -> list[str]:
    """Why each list in `found` (holding `account`'s identity) cannot be adopted as `account`: its
    `$objectType` differs from the declared one. Empty for any other kind."""
    if not is_unrestorable(account.address):
        return []
    declared = member_type_of(account.fields.get(OBJECT_TYPE_FIELD))
    refusals = []
    for record in found:
        held = member_type_of(record.fields.get(OBJECT_TYPE_FIELD))
        if declared is None or held is None or held == declared:
            continue
        where = f" ({account.location})" if account.location else ""
        refusals.append(
            f"{account.address}: --adopt found list {record.id} named {record.fields.get('$name')!r} with $objectType "
            f"{held.object_type}, but it is declared {declared.object_type}, which a list cannot change{where}: "
            "declare it with that $objectType, or rename the declared list to create a new one"
        )
    return refusals
