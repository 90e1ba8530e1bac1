"""`moved:` entries in the plan [pure]: which of them move a record in state, the planner's inputs
with those records under their new address, and the change a move alone makes.

A declared move takes effect when state holds its `from` and not its `to`; one whose `from` is not
in state (already applied, or never applied) is harmless and left out, so an entry may stay in the
files after its apply. The declarations have checked the rest (declare.moves): `to` is declared,
`from` is not, no chains or cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from lfsync.declare.model import MoveDeclaration
from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.plan.resources import DesiredAccount
from lfsync.state.records import ResourceState

Value = TypeVar("Value")


def effective_moves(
    declared: Iterable[MoveDeclaration], resources: Mapping[str, ResourceState], desired: Mapping[str, DesiredAccount]
) -> tuple[dict[str, str], list[str]]:
    """(new address -> old address of each move to make, problems). A move into an address state
    already holds would record two records under one address: a problem naming both."""
    moves: dict[str, str] = {}
    problems: list[str] = []
    for move in declared:
        if move.source not in resources or move.destination not in desired:
            continue
        if move.destination in resources:
            problems.append(
                f"{move.location}: moved: {move.source} -> {move.destination}: state records both "
                f"({resources[move.source].id} and {resources[move.destination].id}); one record, one address: "
                f"forget one with `lfsync state rm`, or remove this entry"
            )
            continue
        moves[move.destination] = move.source
    return moves, problems


def moved(mapping: Mapping[str, Value], moves: Mapping[str, str]) -> dict[str, Value]:
    """`mapping` (by address) with each moved record under its new address."""
    old_addresses = set(moves.values())
    renamed = {address: value for address, value in mapping.items() if address not in old_addresses}
    renamed.update((new, mapping[old]) for new, old in moves.items() if old in mapping)
    return renamed


def with_old_addresses(ids: dict[str, str], declared: Sequence[MoveDeclaration]) -> dict[str, str]:
    """`ids` (address -> ID) with each moved record's ID also under its old address: a declaration
    recorded as written before the move (`declared_as`) may name the record by it. `ids` itself
    when nothing is moved."""
    aliases = {move.source: ids[move.destination] for move in declared if move.destination in ids and move.source not in ids}
    return {**ids, **aliases} if aliases else ids


def pure_move(account: DesiredAccount, old_address: str, resource: ResourceState) -> Change:
    """A move with nothing else to change: state is re-keyed, no request is sent."""
    return Change(
        address=account.address,
        action=Action.MOVE,
        resource_id=resource.id,
        location=account.location,
        moved_from=old_address,
    )
