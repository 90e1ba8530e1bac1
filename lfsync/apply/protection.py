"""`protect: true`: state remembers which accounts were declared protected when last applied.

The declaration is gone by the time --prune would delete an account, so the protection has to
live in state (Terraform's prevent_destroy vanishes with its block; this does not).
"""

from __future__ import annotations

from typing import Mapping

from lfsync.plan.resources import DesiredAccount
from lfsync.state.workspace import State


def record_protection(state: State, desired: Mapping[str, DesiredAccount]) -> bool:
    """Copy each declared account's `protect` into its state record; True when any changed.

    Changes are held in memory and written by the caller's next `state.compact()`.
    """
    changed = False
    for address, resource in state.resources.items():
        account = desired.get(address)
        if account is None:
            continue
        wanted = True if account.protect else None
        if resource.protect != wanted:
            state.resources[address] = resource.model_copy(update={"protect": wanted})
            changed = True
    if changed:
        state.snapshot.serial += 1
    return changed
