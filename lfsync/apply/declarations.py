"""State remembers how each applied declaration was written (`ResourceState.declared_as`), so a
plan without definitions (no API key, no snapshot) compares declarations with declarations
(lfsync/plan/declared_form.py) instead of labels with option IDs.

Recorded after an apply, like `protect`, and only for an account whose applied payload is its
declaration's (the hash state holds is the one of the declaration's payload now): an account whose
update failed keeps the record of what was applied before.
"""

from __future__ import annotations

from typing import Mapping

from lfsync.declare.ignorechanges import IgnoreChanges
from lfsync.declare.model import AccountDeclaration
from lfsync.plan.declared_form import SECTIONS, as_written, declared_as
from lfsync.plan.ignored import kept_as_found
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import Payload, ResourceState
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
        canonical = account.payload(ids)
        written_now = _owned_as_applied(
            as_written(declaration.fields, declaration.relationships), canonical, resource, account.ignore_changes
        )
        spelled = declared_as(written_now, resource.applied)
        if spelled == resource.declared_as:
            continue
        if resource_hash(kept_as_found(canonical, resource.applied, account.ignore_changes), address, workspace) != resource.hash:
            continue  # not applied as declared now (a failed or interrupted change): keep what was recorded
        state.resources[address] = resource.model_copy(update={"declared_as": spelled})
        changed = True
    if changed:
        state.snapshot.serial += 1
    return changed


def _owned_as_applied(written: Payload, canonical: Payload, resource: ResourceState, ignored: IgnoreChanges) -> Payload:
    """`written`, except keys people own (`ignore_changes`) whose declared value is not the one
    Lightfield holds (edited there, or changed in the file since): no apply wrote that value, so
    such a key keeps the spelling recorded before, or, with none, is recorded as applied."""
    if not ignored:
        return written
    applied, before = resource.applied, resource.declared_as or {}
    owned = kept_as_found(written, applied, ignored)
    for section in SECTIONS:
        for key, value in written[section].items():
            if canonical[section].get(key, _MISSING) == applied.get(section, {}).get(key, _MISSING):
                owned[section][key] = value  # Lightfield holds what the file says: keep how it says it
            elif owned[section].get(key, _MISSING) != value and key in before.get(section, {}):
                owned[section][key] = before[section][key]
    return owned


_MISSING = object()
