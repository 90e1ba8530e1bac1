"""The order deletes are sent in (destroy, reset, --prune): dependents before the records they
reference, i.e. lists, notes, tasks, opportunities, contacts, then accounts (the reverse of the
catalogue's order, in which accounts are created first). What trashing an account does to its contacts and
opportunities is not documented (lightfield-api-objects.md "Not documented"), so none is trashed
while a record that names it is still live."""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.kinds.catalogue import DECLARABLE_KINDS, kind_of_address
from lfsync.plan.model import Change


def delete_waves(deletes: Iterable[Change]) -> list[list[Change]]:
    """`deletes` in waves, one per kind present, dependents' first; each wave in plan order."""
    by_kind: dict[str, list[Change]] = {kind.name: [] for kind in DECLARABLE_KINDS}
    for change in deletes:
        by_kind[kind_of_address(change.address).name].append(change)
    return [by_kind[kind.name] for kind in reversed(DECLARABLE_KINDS) if by_kind[kind.name]]
