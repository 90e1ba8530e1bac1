"""The API key scopes a plan's changes need (lightfield-api.md: `accounts:create`, `:update`,
`:delete`, `:restore`), and which of them a key lacks, so a plan that would write with a key
that may not is an error before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.kinds.catalogue import kind_of_address
from lfsync.plan.actions import Action
from lfsync.plan.model import Change


def needed_scopes(change: Change) -> list[str]:
    """The scopes the requests of `change` need: a restore or a cycle-breaking create with its
    follow-up update needs the update scope too."""
    resource = kind_of_address(change.address).api_path.rstrip("/").rsplit("/", 1)[-1]
    operations = {
        Action.CREATE: ["create", "update"] if change.deferred_relationships else ["create"],
        Action.UPDATE: ["update"],
        Action.ADOPT: ["update"],
        Action.RESTORE: ["restore", "update"] if change.attributes else ["restore"],
        Action.DELETE: ["delete"],
        Action.MOVE: [],  # state only: no request
    }[change.action]
    return [f"{resource}:{operation}" for operation in operations]


def missing_scopes(changes: Iterable[Change], granted: frozenset[str]) -> dict[str, list[str]]:
    """scope -> the addresses of the changes that need it, for each scope `granted` lacks."""
    missing: dict[str, list[str]] = {}
    for change in changes:
        for scope in needed_scopes(change):
            if scope not in granted:
                missing.setdefault(scope, []).append(change.address)
    return dict(sorted(missing.items()))


def scope_problem(changes: Iterable[Change], granted: frozenset[str] | None, shown: int = 5) -> str | None:
    """What a key granted `granted` (None: the API did not say) may not do of `changes`; None if nothing."""
    if granted is None:
        return None
    missing = missing_scopes(changes, granted)
    if not missing:
        return None
    needs = "; ".join(
        f"{scope} (for {', '.join(addresses[:shown])}{f' and {len(addresses) - shown} more' if len(addresses) > shown else ''})"
        for scope, addresses in missing.items()
    )
    return (
        f"the API key lacks scopes this plan needs: {needs}; it has {', '.join(sorted(granted)) or 'none'} "
        "(auth/validate). Use a key with these scopes"
    )
