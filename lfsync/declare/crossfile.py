"""Checks across the files of a project, run on every load (a file's own checks may come from
the parse cache; these never do): an address declared once, references to declared accounts."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.declare.addresses import key_of
from lfsync.declare.model import ParsedAccount
from lfsync.errors import Problem, Problems
from lfsync.support.suggestions import closest


def index_by_address(parsed: list[ParsedAccount], problems: Problems) -> dict[str, ParsedAccount]:
    """Accounts by address; an address seen again is a problem naming both places."""
    by_address: dict[str, ParsedAccount] = {}
    for account in parsed:
        first = by_address.get(account.address)
        if first is None:
            by_address[account.address] = account
        else:
            problems.append(
                Problem(f"{account.address} is declared twice: {first.location} and {account.location}", account.location)
            )
    return by_address


def check_references(parsed: list[ParsedAccount], accounts: dict[str, ParsedAccount], problems: Problems) -> None:
    """Every reference names another declared record (of any kind)."""
    for account in parsed:
        for target, place, relationship in account.references:
            if target == account.address:
                problems.append(
                    Problem(f"{account.address} refers to itself in relationships.{relationship}", account.location_of(place))
                )
            elif target not in accounts:
                problems.append(
                    Problem(
                        f"relationships.{relationship} of {account.address} refers to {target}, "
                        "which is not declared in any file",
                        account.location_of(place),
                        hint=_closest_address(target, accounts),
                    )
                )


def _closest_address(target: str, addresses: Iterable[str]) -> str | None:
    # Compare keys of the target's kind without their shared prefix ("account."), which would make
    # every address look alike.
    prefix = target.partition(".")[0] + "."
    match = closest(key_of(target), [key_of(address) for address in addresses if address.startswith(prefix)])
    return f"did you mean {prefix}{match}?" if match else None
