"""Relationships across records and types: which IDs a record's relationship shows, whether a
target exists, and writes through the contact side of the account-contact link (decisions 19, 28).

A link is stored once, on the record that holds it (`relationships` of its row, mirrored in the
`<type>_links` table for lookups from the other end). A relationship with a `Mirror` is that
stored link seen from its other end: an account's `$opportunity` (opportunities' `$account`,
read-only) and a contact's `$account` (accounts' `$contact`, writable: writes change the accounts).
"""

from __future__ import annotations

from typing import Any, Callable

from .fixture import Organisation
from .schema import RelationshipDefinition
from .store import RECORD_TABLES, RecordRow, Store


class Links:
    def __init__(self, org: Organisation, store: Store, clock: Callable[[], float]):
        self.org = org
        self.store = store
        self.clock = clock
        # Stored relationships that another type writes too (account `$contact`): each side shows
        # the active records at the other end only.
        self._two_sided = {
            (d.mirror.source_type, d.mirror.source_key)
            for schema in org.schemas.values() for d in schema.relationships.values()
            if d.mirror is not None and not d.read_only
        }

    def target_state(self, object_type: str, target_id: str) -> bool | None:
        """None when a relationship target does not exist, else whether it is trashed."""
        if object_type in RECORD_TABLES:
            record = self.store.get(object_type, target_id)
            return None if record is None else record.trashed
        if object_type == "member":
            return None if target_id not in self.org.members else False
        return None

    def values(self, kind: str, record: RecordRow, definition: RelationshipDefinition,
               direction: str | None = None) -> list[str]:
        """The IDs `record`'s relationship shows: `direction` None for the merged values of a
        self-referential one, "asSource" (what it wrote) or "asDestination" (who names it)."""
        if definition.mirror is not None:
            return self.store.linking(definition.mirror.source_type, definition.mirror.source_key, record.id)
        source = record.relationships.get(definition.key, [])
        if (kind, definition.key) in self._two_sided:
            active = self.store.active_ids(definition.object_type, source)
            return [target for target in source if target in active]
        if direction == "asSource" or not definition.self_referential:
            return list(source)
        destination = self.store.linking(kind, definition.key, record.id)
        return destination if direction == "asDestination" else _merge(source, destination)

    def wire(self, kind: str, record: RecordRow, definition: RelationshipDefinition) -> dict[str, Any]:
        """One relationship of a record in its wire form."""
        entry: dict[str, Any] = {
            "cardinality": definition.cardinality.lower(),
            "objectType": definition.object_type,
            "values": self.values(kind, record, definition),
        }
        if definition.self_referential and definition.as_source and definition.as_destination:
            entry["directions"] = {
                "asSource": {"cardinality": definition.as_source.cardinality,
                             "values": self.values(kind, record, definition, "asSource")},
                "asDestination": {"cardinality": definition.as_destination.cardinality,
                                  "values": self.values(kind, record, definition, "asDestination")},
            }
        return entry

    def write_mirror(self, definition: RelationshipDefinition, record_id: str, before: list[str],
                     after: list[str]) -> bool:
        """Make the records at the other end of a writable mirror (a contact's `$account`) name
        `record_id` exactly for `after` (they named it for `before`); whether anything changed.
        Their `updatedAt` stays: the record written is the one the request named (decision 28)."""
        mirror = definition.mirror
        if mirror is None:
            raise ValueError(f"`{definition.key}` is stored on its own record")
        changed = False
        for target in dict.fromkeys([*before, *after]):
            row = self.store.get(mirror.source_type, target)
            if row is None:
                continue
            named = row.relationships.get(mirror.source_key, [])
            if target in after:
                wanted = named if record_id in named else [*named, record_id]
            else:
                wanted = [i for i in named if i != record_id]
            if wanted != named:
                row.relationships = {**row.relationships, mirror.source_key: wanted}
                if not wanted:
                    row.relationships.pop(mirror.source_key)
                self.store.save(mirror.source_type, row, self.clock())
                changed = True
        return changed


def _merge(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
