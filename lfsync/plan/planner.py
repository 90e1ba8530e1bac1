"""(desired accounts, state, remote matches?) -> changes. Pure: no I/O, tested without a server."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from lfsync.declare.addresses import is_reference
from lfsync.declare.model import MoveDeclaration
from lfsync.kinds.catalogue import ACCOUNT, UNMANAGED, identity_field_of, kind_of_address
from lfsync.plan.actions import Action
from lfsync.plan.declared_form import as_written, last_declared, with_ids
from lfsync.plan.ignored import ignored_drift, kept_as_found
from lfsync.plan.list_members import mark_irreversible, object_type_changes
from lfsync.plan.model import AttributeChange, AttributeKind, Change, RemoteRecord, RenameHint
from lfsync.plan.moves import effective_moves, moved, pure_move, with_old_addresses
from lfsync.plan.one_address import one_record_one_address
from lfsync.plan.renames import rename_hints
from lfsync.plan.resources import DesiredAccount, relationship_ids, resource_hash
from lfsync.plan.restore_order import wait_for_restores
from lfsync.plan.write_limit import write_limit_problems
from lfsync.state.records import Payload, ResourceState, empty_payload


@dataclass
class PlanInputs:
    desired: Mapping[str, DesiredAccount]
    resources: Mapping[str, ResourceState]
    workspace: str
    prune: bool = False
    # address -> IDs of live records whose identity matches; only given with --adopt
    identity_matches: Mapping[str, list[str]] | None = None
    identity_field: str = ACCOUNT.identity_field  # what --adopt matched on (`identity:` in lfsync.yaml)
    # address -> the record as read back; only given with --refresh
    remote: Mapping[str, RemoteRecord] | None = None
    # ID -> name of live records neither declared nor in state, to be trashed (`lfsync reset` of an
    # organisation the workspace owns); None otherwise
    unmanaged: Mapping[str, str] | None = None
    # False: the declared values could not be put in canonical form (no API key, no definitions
    # snapshot); accounts whose state recorded their last declaration are compared with it instead
    values_checked: bool = True
    moves: Sequence[MoveDeclaration] = ()  # `moved:` entries of the declarations


@dataclass
class PlannedChanges:
    changes: list[Change] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored_drift: dict[str, list[str]] = field(default_factory=dict)  # address -> ignored paths that differ
    renames: list[RenameHint] = field(default_factory=list)


def plan_changes(inputs: PlanInputs) -> PlannedChanges:
    result = PlannedChanges()
    moves, move_problems = effective_moves(inputs.moves, inputs.resources, inputs.desired)
    result.problems.extend(move_problems)
    if moves:  # the moved records under their new addresses, as apply records them before it sends
        read_back = moved(inputs.remote, moves) if inputs.remote is not None else None
        inputs = dataclasses.replace(inputs, resources=moved(inputs.resources, moves), remote=read_back)
    ids = {address: resource.id for address, resource in inputs.resources.items()}
    # A declared record gone from Lightfield is created again under a new ID: what references it
    # waits for that create (and takes the new ID), never the recorded one, which no longer exists.
    for address, read in (inputs.remote or {}).items():
        if read.status == "missing" and address in inputs.desired:
            ids.pop(address, None)
    result.problems.extend(shared_ids(inputs.resources))
    for address in sorted(inputs.desired):
        account = inputs.desired[address]
        current = inputs.resources.get(address)
        remote = (inputs.remote or {}).get(address)
        identity = identity_field_of(kind_of_address(address), inputs.identity_field)
        if current is None and inputs.identity_matches is not None and identity not in account.fields:
            kind = kind_of_address(account.address)
            setting = " (`identity:` in lfsync.yaml)" if kind is ACCOUNT else ""
            result.problems.append(
                f"{account.address}: --adopt matches existing {kind.declaration_key} on {identity}{setting}, "
                f"which this {kind.name} does not declare" + (f" ({account.location})" if account.location else "")
            )
            change = None
        elif current is None:
            change = _create_or_adopt(account, ids, inputs.identity_matches, result.problems, identity)
        elif remote is not None and remote.status == "missing":
            change = _create_or_adopt(account, ids, None, result.problems)
            if change is not None:
                change.replaces = current.id
        elif remote is not None and remote.status == "trashed":
            change = _restore(account, current, remote, ids)
        elif not inputs.values_checked and remote is None and (declared := last_declared(current)) is not None:
            change = _update_as_declared(account, current, declared, with_old_addresses(ids, inputs.moves))
        else:
            change = _update(account, current, ids, inputs.workspace, remote)
        if address in moves and current is not None:
            change = change or pure_move(account, moves[address], current)
            change.moved_from = moves[address]
        if change is not None:
            result.changes.append(change)
    for address in sorted(set(inputs.resources) - set(inputs.desired)):
        if inputs.prune and inputs.resources[address].protect:
            result.problems.append(protected_deletion(address, inputs.resources[address].id))
        elif inputs.prune:
            result.changes.append(_delete(address, inputs.resources[address]))
        else:
            result.orphans.append(address)
    for account_id, name in sorted((inputs.unmanaged or {}).items()):
        result.changes.append(_delete_unmanaged(account_id, name))
    _defer_cyclic_relationships(result.changes, inputs.desired)
    wait_for_restores(result.changes, inputs.desired)
    result.ignored_drift = ignored_drift(inputs.desired, inputs.resources, inputs.remote, ids)
    result.problems.extend(one_record_one_address(result.changes, inputs.resources, inputs.desired))
    mark_irreversible(result.changes)
    result.problems.extend(object_type_changes(result.changes, inputs.desired))
    result.problems.extend(write_limit_problems(result.changes))
    result.renames = rename_hints(result.changes, result.orphans, inputs.resources, inputs.desired, inputs.identity_field)
    return result


def shared_ids(resources: Mapping[str, ResourceState]) -> list[str]:
    """State that records one account under two addresses would send one's changes to the other."""
    addresses_by_id: dict[str, list[str]] = {}
    for address, resource in resources.items():
        addresses_by_id.setdefault(resource.id, []).append(address)
    return [
        f"state records account {account_id} under {len(addresses)} addresses ({', '.join(sorted(addresses))}); "
        "keep one with `lfsync state rm` of the others"
        for account_id, addresses in sorted(addresses_by_id.items())
        if len(addresses) > 1
    ]


def _create_or_adopt(
    account: DesiredAccount,
    ids: dict[str, str],
    matches: Mapping[str, list[str]] | None,
    problems: list[str],
    identity_field: str = ACCOUNT.identity_field,
) -> Change | None:
    found = (matches or {}).get(account.address, [])
    if len(found) > 1:
        problems.append(
            f"{account.address}: {len(found)} existing {kind_of_address(account.address).declaration_key} have {identity_field} "
            f"{account.fields.get(identity_field)!r} ({', '.join(found)}); "
            f"choose one with `lfsync import {account.address} ID`"
        )
        return None
    payload = account.payload(ids)
    return Change(
        address=account.address,
        action=Action.ADOPT if found else Action.CREATE,
        resource_id=found[0] if found else None,
        location=account.location,
        skip_enrichment=account.skip_enrichment,
        depends_on=account.unresolved(ids),
        attributes=attribute_changes(empty_payload(), payload),
    )


def _update(
    account: DesiredAccount, current: ResourceState, ids: dict[str, str], workspace: str, remote: RemoteRecord | None
) -> Change | None:
    observed = remote.observed if remote is not None and remote.observed != current.applied else None
    payload = kept_as_found(account.payload(ids), observed or current.applied, account.ignore_changes)
    waiting_for = account.unresolved(ids)
    unchanged = resource_hash(payload, account.address, workspace) == current.hash
    if not waiting_for and unchanged and observed is None:
        return None
    return _update_change(account, current, attribute_changes(observed or current.applied, payload), waiting_for, observed)


def _update_as_declared(
    account: DesiredAccount, current: ResourceState, declared: Payload, ids: dict[str, str]
) -> Change | None:
    """A plan without definitions: the declaration compared with the one last applied, both as
    written (a label with a label, an email with an email), so only what the files changed shows;
    keys `ignore_changes` covers are left as they were."""
    before = with_ids(declared, ids)
    written = kept_as_found(with_ids(as_written(account.fields, account.relationships), ids), before, account.ignore_changes)
    return _update_change(account, current, attribute_changes(before, written), account.unresolved(ids))


def _update_change(
    account: DesiredAccount,
    current: ResourceState,
    attributes: list[AttributeChange],
    depends_on: list[str],
    observed: Payload | None = None,
) -> Change | None:
    """The update of `current` to `account`, or None when no attribute changes."""
    if not attributes:
        return None
    return Change(
        address=account.address,
        action=Action.UPDATE,
        resource_id=current.id,
        location=account.location,
        depends_on=depends_on,
        attributes=attributes,
        observed=observed,
    )


def _restore(account: DesiredAccount, current: ResourceState, remote: RemoteRecord, ids: dict[str, str]) -> Change:
    """A managed account found in the trash: restore it, then correct whatever differs."""
    observed = remote.observed if remote.observed != current.applied else None
    return Change(
        address=account.address,
        action=Action.RESTORE,
        resource_id=current.id,
        location=account.location,
        depends_on=account.unresolved(ids),
        attributes=attribute_changes(remote.observed, kept_as_found(account.payload(ids), remote.observed, account.ignore_changes)),
        observed=observed,
    )


def protected_deletion(address: str, resource_id: str) -> str:
    return (
        f"{address} ({resource_id}) is protected (`protect: true` when last applied) and is not deleted, "
        f"even with --prune. To delete it, declare it again with `protect: false`, apply, then remove it; "
        f"or stop managing it with `lfsync state rm {address}`"
    )


def _delete(address: str, current: ResourceState) -> Change:
    return Change(
        address=address,
        action=Action.DELETE,
        resource_id=current.id,
        attributes=attribute_changes(current.applied, empty_payload()),
    )


UNMANAGED_PREFIX = UNMANAGED + "."


def _delete_unmanaged(account_id: str, name: str) -> Change:
    """A record (of any kind) no declaration and no state names; its address is its ID under `unmanaged.`."""
    return Change(
        address=UNMANAGED_PREFIX + account_id,
        action=Action.DELETE,
        resource_id=account_id,
        reason=f"{name!r} is declared nowhere, and this workspace owns the organisation (owns_organisation: true)",
    )


def attribute_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[AttributeChange]:
    """Field-level differences between two managed payloads, fields first, in a stable order."""
    changes: list[AttributeChange] = []
    for section in ("fields", "relationships"):
        old, new = before.get(section, {}), after.get(section, {})
        links = section == "relationships"
        if not old and not links:  # a create's fields: every value is added (the bulk of a big first plan)
            changes.extend([AttributeChange(f"fields.{key}", "add", None, value) for key, value in new.items()])
            continue
        if not old:
            changes.extend([_attribute(f"{section}.{key}", "add", None, value, links) for key, value in new.items()])
            continue
        for key in list(new) + sorted(set(old) - set(new)):
            path = f"{section}.{key}"
            if key not in old:
                changes.append(_attribute(path, "add", None, new[key], links))
            elif key not in new:
                changes.append(AttributeChange(path=path, kind="remove", before=old[key]))
            elif old[key] != new[key]:
                changes.append(_attribute(path, "change", old[key], new[key], links))
    return changes


def _attribute(path: str, kind: AttributeKind, before: Any, after: Any, links: bool) -> AttributeChange:
    pending = links and any(is_reference(item) for item in relationship_ids(after))
    return AttributeChange(path=path, kind=kind, before=before, after=after, known_after_apply=pending)


def _defer_cyclic_relationships(changes: list[Change], desired: Mapping[str, DesiredAccount]) -> None:
    """Break reference cycles among creates: hold back the relationships that close a cycle.

    A depth-first walk over create dependencies (iterative: parent chains can be thousands long);
    an edge back to an account still on the walk closes a cycle, so that relationship is created
    empty and linked by a follow-up update.
    """
    creating = {c.address: c for c in changes if c.action in (Action.CREATE, Action.ADOPT)}
    visiting, done = set(), set()
    for root in sorted(creating):
        if root in done:
            continue
        visiting.add(root)
        stack = [(root, iter(desired[root].relationships.items()))]
        while stack:
            address, edges = stack[-1]
            change = creating[address]
            for key, value in edges:
                targets = [t for t in relationship_ids(value) if t in creating]
                if any(t in visiting for t in targets):
                    if key not in change.deferred_relationships:
                        change.deferred_relationships.append(key)
                    continue
                unvisited = [t for t in targets if t not in done]
                if unvisited:
                    # Walk into the first unvisited target; come back to this key for the others.
                    stack[-1] = (address, _chain([(key, value)], edges))
                    visiting.add(unvisited[0])
                    stack.append((unvisited[0], iter(desired[unvisited[0]].relationships.items())))
                    break
            else:
                stack.pop()
                visiting.discard(address)
                done.add(address)
                if change.deferred_relationships:
                    change.depends_on = [
                        d
                        for d in change.depends_on
                        if not _only_via_deferred(desired[address], d, change.deferred_relationships)
                    ]


def _chain(first, rest):
    yield from first
    yield from rest


def _only_via_deferred(account: DesiredAccount, target: str, deferred: list[str]) -> bool:
    return all(key in deferred for key, value in account.relationships.items() if target in relationship_ids(value))
