"""State remembers how each applied declaration was written (`ResourceState.declared_as`), so a
plan without definitions (no API key, no snapshot) compares declarations with declarations
(lfsync/plan/declared_form.py) instead of labels with option IDs.

Recorded after an apply, like `protect`, and only for an account whose applied payload is its
declaration's (the hash state holds is the one of the declaration's payload now): an account whose
update failed keeps the record of what was applied before.
"""

from __future__ import annotations

from typing import Mapping

from lfsync.declare.model import AccountDeclaration
from lfsync.plan.declared_form import as_written, declared_as
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.workspace import State


def record_declarations(
    state: State, written: Mapping[str, AccountDeclaration], desired: Mapping[str, DesiredAccount], workspace: str
) -> bool:
    """Copy into each state record the declaration it was applied from, as written (`written`: the
    declarations as read; `desired`: the same, in canonical form). True when any record changed.

    Changes are held in memory and written by the caller's next `state.compact()`.
    """
    ids = state.ids()
    changed = False
    for address, resource in state.resources.items():
        declaration, account = written.get(address), desired.get(address)
        if declaration is None or account is None:
            continue
        spelled = declared_as(as_written(declaration.fields, declaration.relationships), resource.applied)
        if spelled == resource.declared_as:
            continue
        if resource_hash(account.payload(ids), address, workspace) != resource.hash:
            continue  # not applied as declared now (a failed or interrupted change): keep what was recorded
        state.resources[address] = resource.model_copy(update={"declared_as": spelled})
        changed = True
    if changed:
        state.snapshot.serial += 1
    return changed
