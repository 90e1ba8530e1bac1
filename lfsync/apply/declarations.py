"""State remembers how each applied declaration was written (`ResourceState.declared_as`), so a
plan without definitions (no API key, no snapshot) compares declarations with declarations
(lfsync/plan/declared_form.py) instead of labels with option IDs.

Recorded by an apply, like `protect` (worked out as each change succeeds, stored at the end), and
only for an account whose applied payload is its declaration's (the hash state holds is the one of
the declaration's payload now): an account whose update failed keeps the record of what was applied
before.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

from lfsync.declare.ignorechanges import IgnoreChanges
from lfsync.declare.model import AccountDeclaration
from lfsync.plan.declared_form import SECTIONS, as_written, declared_as
from lfsync.plan.ignored import kept_as_found
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import Payload, ResourceState
from lfsync.state.workspace import State


class DeclarationRecorder:
    """Copies into each state record the declaration it was applied from, as written (`written`:
    the declarations as read; `desired`: the same, in canonical form); changes are held in memory
    and written by the caller's next `state.compact()`.

    Spread over an apply: `applied(address)` works out one account's record, and its text in the
    state file, as its change succeeds (the event loop mostly waits on the API meanwhile);
    `finish()` stores them all, working out again any whose state record, or the IDs its
    references resolve to, changed since. Workspaces finishing together then do not each spend the
    end of the run on their whole state."""

    def __init__(
        self, state: State, written: Mapping[str, AccountDeclaration], desired: Mapping[str, DesiredAccount], workspace: str
    ):
        self._state, self._written, self._desired, self._workspace = state, written, desired, workspace
        self._decided: dict[str, _Decision] = {}

    def applied(self, address: str) -> None:
        resource = self._state.resources.get(address)
        if resource is not None:
            decision = self._decided[address] = self._decide(address, resource)
            self._state.snapshot.resource_text(address, decision.stored)  # made now, while the loop waits

    def finish(self) -> bool:
        """Store every record; True when any changed (the serial is bumped once for them all)."""
        changed = False
        for address, resource in list(self._state.resources.items()):
            decision = self._decided.get(address)
            if decision is None or decision.resource is not resource or decision.referenced != self._referenced_ids(address):
                decision = self._decide(address, resource)
            if decision.stored is not resource:
                self._state.resources[address] = decision.stored
                changed = True
        if changed:
            self._state.snapshot.serial += 1
        return changed

    def _referenced_ids(self, address: str) -> tuple[str | None, ...]:
        account, resources = self._desired.get(address), self._state.resources
        if account is None:
            return ()
        return tuple(resources[target].id if target in resources else None for target in account.references())

    def _decide(self, address: str, resource: ResourceState) -> _Decision:
        keep = _Decision(resource, self._referenced_ids(address), resource)
        declaration, account = self._written.get(address), self._desired.get(address)
        if declaration is None or account is None:
            return keep
        canonical = account.payload(self._state.ids())
        written_now = _owned_as_applied(
            as_written(declaration.fields, declaration.relationships), canonical, resource, account.ignore_changes
        )
        spelled = declared_as(written_now, resource.applied)
        if spelled == resource.declared_as:
            return keep
        if resource_hash(kept_as_found(canonical, resource.applied, account.ignore_changes), address, self._workspace) != resource.hash:
            return keep  # not applied as declared now (a failed or interrupted change): keep what was recorded
        return _Decision(resource, keep.referenced, resource.model_copy(update={"declared_as": spelled}))


class _Decision(NamedTuple):
    """The record to store for `resource` (`stored`: it, or a copy with the declaration recorded),
    decided while the accounts it references had the IDs `referenced` (None: not in state)."""

    resource: ResourceState
    referenced: tuple[str | None, ...]
    stored: ResourceState


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
