"""A plan's changes grouped by record kind (accounts, contacts, opportunities, tasks, notes), for the
markdown plan: a plan of one kind is one group without a heading, as it always was."""

from __future__ import annotations

from collections.abc import Sequence

from lfsync.kinds.catalogue import DECLARABLE_KINDS, kind_of_address
from lfsync.plan.model import Change


def changes_by_kind(changes: Sequence[Change]) -> list[tuple[str | None, list[Change]]]:
    """(heading, its changes) per kind present, in catalogue order, each kind's in plan order; one
    group headed None when only one kind is present."""
    groups: dict[str, list[Change]] = {kind.name: [] for kind in DECLARABLE_KINDS}
    for change in changes:
        groups[kind_of_address(change.address).name].append(change)
    present = [(kind, groups[kind.name]) for kind in DECLARABLE_KINDS if groups[kind.name]]
    if len(present) <= 1:
        return [(None, list(changes))]
    return [(f"{kind.declaration_key.capitalize()} ({len(listed)})", listed) for kind, listed in present]
