"""One link, two sides: the account-contact link is writable as an account's `$contact` and as a
contact's `$account` (lfsync.kinds.catalogue.TWO_SIDED_LINKS). Where both records are declared
and both declare their side, each side's desired list holds the links the other side declares
too, so the link is planned once and reading it back from either side is no drift. A side a
record does not declare is neither written nor compared. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from lfsync.declare.addresses import is_reference
from lfsync.kinds.catalogue import TWO_SIDED_LINKS
from lfsync.plan.resources import DesiredAccount


def with_both_sides(desired: Mapping[str, DesiredAccount]) -> dict[str, DesiredAccount]:
    """`desired` with each declared side of a two-sided link completed by the other side's references."""
    added: dict[str, dict[str, list[str]]] = {}  # address -> key -> references to add
    for kind, key, other_kind, other_key in TWO_SIDED_LINKS:
        for side, side_key, other, far_key in ((kind, key, other_kind, other_key), (other_kind, other_key, kind, key)):
            for address, record in desired.items():
                if not address.startswith(other + "."):
                    continue
                for target in _listed(record.relationships.get(far_key)):
                    holder = desired.get(target) if is_reference(target) and target.startswith(side + ".") else None
                    if holder is not None and side_key in holder.relationships:
                        added.setdefault(target, {}).setdefault(side_key, []).append(address)
    if not added:
        return dict(desired)
    completed = dict(desired)
    for address, keys in added.items():
        record = desired[address]
        relationships = dict(record.relationships)
        for key, references in keys.items():
            held = _listed(relationships[key])
            relationships[key] = held + [reference for reference in dict.fromkeys(references) if reference not in held]
        completed[address] = dataclasses.replace(record, relationships=relationships)
    return completed


def _listed(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
