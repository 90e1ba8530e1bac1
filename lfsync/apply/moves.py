"""Moves applied: the records a plan moves (`moved:`) re-keyed in state, before any request.

A move is an edit of state, not a request: like `lfsync state mv`, every move of the plan is made
in one direct edit (one serial, the snapshot written atomically with its journal compacted), so a
run killed at any instant leaves either every record under its old address or every one under
its new address, never one lost or recorded twice. Declarations recorded as written
(`declared_as`, for key-less plans) that name a moved record follow it to its new address. The
changes that come with a move (an update to the same ID) are then sent against the new address.
"""

from __future__ import annotations

from typing import Mapping

from lfsync.declare.moves import redirected
from lfsync.errors import LfsyncError
from lfsync.plan.model import Change
from lfsync.plan.resources import resource_hash
from lfsync.state.records import Payload
from lfsync.state.workspace import State


def record_moves(state: State, changes: list[Change]) -> list[str]:
    """Re-key state for every change that moves a record; returns the new addresses."""
    moves = [(change.moved_from, change.address, change.resource_id) for change in changes if change.moved_from]
    if not moves:
        return []
    resources = dict(state.resources)
    for old, new, record in moves:
        current = resources.get(old)
        if current is None or current.id != record or new in resources:
            raise LfsyncError(
                f"cannot move {old} to {new}: state no longer records {record} as {old} alone; nothing was applied. "
                "Run `lfsync plan` again."
            )
        # the hash covers the address: recomputed, so the next plan compares by hash as before the move
        rehashed = resource_hash(current.applied, new, state.snapshot.workspace) if current.hash else ""
        resources[new] = current.model_copy(update={"hash": rehashed})
        del resources[old]
    renamed = {old: new for old, new, _ in moves}
    for address, resource in resources.items():
        if resource.declared_as and (spelled := _renamed_references(resource.declared_as, renamed)) != resource.declared_as:
            resources[address] = resource.model_copy(update={"declared_as": spelled})
    state.replace_resources(resources)
    return [new for _, new, _ in moves]


def _renamed_references(declared_as: Payload, renamed: Mapping[str, str]) -> Payload:
    """A declaration recorded as written (`declared_as`) naming moved records by their new address."""
    return {**declared_as, "relationships": redirected(declared_as.get("relationships", {}), renamed)}
