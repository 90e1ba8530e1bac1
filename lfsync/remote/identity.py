"""--adopt: which existing records are the same account as a declaration not yet in state.

The field accounts are matched on is `identity:` in lfsync.yaml ($name unless set), e.g. a custom
`domain` field or `$website`. The API's filters are served by a search index (text compares
ignore case; URL and email filters match substrings), so its answers are narrowed here to
records that hold the declared value exactly.

Text is matched in Unicode NFC: `Café` typed with a composed é and with an e and a combining accent
is one name (lfsync.support.spellings). The API compares the bytes it is given, so each spelling of
the value is asked for.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from lfsync.api.client import LightfieldClient, gather_bounded
from lfsync.api.records import ApiRecord
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import identity_field_of, kind_of_address
from lfsync.plan.resources import DesiredAccount
from lfsync.remote.adopted_lists import object_type_refusals
from lfsync.support.spellings import composed, spellings


def identity_values(account: DesiredAccount, field: str) -> list[Any]:
    """The declared value(s) of the identity field; empty when the account does not declare it."""
    value = account.fields.get(field)
    if value is None or value == []:
        return []
    return list(value) if isinstance(value, list) else [value]


def holds_identity(record: ApiRecord, field: str, values: list[Any]) -> bool:
    held = record.fields.get(field)
    held_values = [composed(item) for item in (held if isinstance(held, list) else [held])]
    return any(composed(value) in held_values for value in values)


async def identity_matches(
    client: LightfieldClient,
    desired: Mapping[str, DesiredAccount],
    managed: Mapping[str, Any],
    field: str,
    on_read: Callable[[int, int], None] | None = None,
) -> dict[str, list[str]]:
    """address -> IDs of live records holding the account's identity value, for accounts not in state.

    Accounts that do not declare the identity field are left out; the planner reports them. A list
    found with another `$objectType` than the declared one refuses the plan (adopted_lists).
    """
    fields = {address: identity_field_of(kind_of_address(address), field) for address in desired}
    wanted = {
        address: identity_values(account, fields[address])
        for address, account in desired.items()
        if address not in managed and identity_values(account, fields[address])
    }
    found = await gather_bounded(
        {
            (address, spelling): client.find_by(kind_of_address(address), fields[address], spelling)
            for address, values in wanted.items()
            for spelling in spellings(values[0])
        },
        on_done=on_read,
    )
    matches: dict[str, list[str]] = {address: [] for address in wanted}
    refusals: list[str] = []
    for (address, _spelling), records in found.items():
        for record in records:
            if holds_identity(record, fields[address], wanted[address]) and record.id not in matches[address]:
                matches[address].append(record.id)
                refusals += object_type_refusals(desired[address], [record])
    if refusals:
        raise LfsyncError("\n".join(refusals))
    return matches
