"""One record, one address [pure]: no plan may bring a record under a second address, such as
adopting into account.new the record that state holds as account.old and then trashing it through
account.old (what `apply --adopt --prune` did after a renamed key). Checked once, over the planned
changes, so plan, apply and a saved plan's apply all refuse such a plan before anything is sent."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.state.records import ResourceState


def one_record_one_address(
    changes: list[Change], resources: Mapping[str, ResourceState], declared: Collection[str]
) -> list[str]:
    """A problem for each change that would act on a record under an address other than the one
    state records it under, or than another change already acts on it through. State recording a
    record twice is planner.shared_ids' to report."""
    held_as = {resource.id: address for address, resource in resources.items()}
    moving = [change for change in changes if change.resource_id is not None and held_as.get(change.resource_id) != change.address]
    if not moving:  # the usual plan: every change acts on a record under the address state holds it by
        return []
    changes_by_address = {change.address: change for change in changes}
    claimed: dict[str, str] = {}
    problems = []
    for change in moving:
        record = change.resource_id
        if record is None:
            continue
        other = claimed.setdefault(record, change.address)
        if other != change.address:
            problems.append(
                f"one record, one address: this plan would {change.action} {record} as {change.address} "
                f"and {changes_by_address[other].action} it as {other}; nothing is sent for such a plan"
            )
            continue
        held = held_as.get(record)
        if held is None:
            continue
        leaving = changes_by_address.get(held)
        if held not in declared:
            trashed = " and this plan moves to the trash" if leaving is not None and leaving.action == Action.DELETE else ""
            problems.append(
                f"one record, one address: {change.address} would {change.action} {record}, which state records "
                f"as {held}{trashed}. This looks like a rename: add `moved: [{{from: {held}, to: {change.address}}}]` "
                "to a declaration file, and the record keeps its ID under its new address"
            )
        else:
            problems.append(
                f"one record, one address: {change.address} would {change.action} {record}, which is declared and "
                f"managed as {held}; two declarations name one record (give one of them another identity, or remove it)"
            )
    return problems
