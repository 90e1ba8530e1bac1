"""How many records of each kind a set of addresses holds, worded for messages:
"3 account(s)", or "3 account(s), 2 contact(s), 1 opportunity(s)" once other kinds are declared."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS


def counted_by_kind(addresses: Iterable[str]) -> str:
    """Accounts are always counted (a project of none says "0 account(s)"); other kinds when present."""
    counts = {kind.name: 0 for kind in DECLARABLE_KINDS}
    for address in addresses:
        name = address.partition(".")[0]
        if name in counts:
            counts[name] += 1
    return ", ".join(f"{count} {name}(s)" for name, count in counts.items() if count or name == ACCOUNT.name)
