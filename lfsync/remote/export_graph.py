"""`lfsync export` of several kinds at once: the records of each kind keyed (unique per kind), links
between them written as addresses, and the links that stay IDs listed. Pure: records and
definitions in, declarations out (lfsync.remote.declaring writes each record's body).

- A link to a record exported now, or already in state, is written as its address
  (`account.<key>`, `contact.<key>`); a member as its email where no other member shares it.
- A link to a record of a declarable kind that is neither (filtered out, or of a kind not
  exported) keeps its Lightfield ID, which declarations accept; it is listed in `outside` so the
  command can say which records to export or import to have it written as an address.
- Of a two-sided link (lfsync.kinds.catalogue.TWO_SIDED_LINKS, e.g. an account's `$contact` and a
  contact's `$account`) only the second side is written: an exported contact declares its
  `$account`, and the account's `$contact`, read back from the same link, is left out (a side
  not declared is not compared, lfsync.plan.links). Written on both sides, a list naming only
  some of the contacts would plan the others' links away. So the export re-plans clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from lfsync.api.records import ApiRecord, Definitions
from lfsync.declare.addresses import address_of
from lfsync.kinds.catalogue import DECLARABLE_KINDS, TWO_SIDED_LINKS
from lfsync.kinds.record_kind import RecordKind
from lfsync.remote.declaring import ExportedRecord, assign_keys, export_records, unique_emails


@dataclass(frozen=True)
class KindToExport:
    """The records of one kind to declare (none of them in state), and that kind's definitions."""

    kind: RecordKind
    records: list[ApiRecord]
    definitions: Definitions


@dataclass(frozen=True)
class OutsideLink:
    """A link written as a Lightfield ID: its record is neither managed nor exported."""

    address: str  # the exported record that holds the link
    relationship: str  # "$account"
    target_id: str  # "acc_..."
    target_kind: RecordKind


@dataclass(frozen=True)
class ExportedGraph:
    records: list[ExportedRecord]  # by kind (catalogue order), then key
    outside: list[OutsideLink]


def export_graph(
    kinds: list[KindToExport],
    managed: Mapping[str, str],
    taken_keys: Mapping[str, Iterable[str]],
    member_emails: Mapping[str, str] | None = None,
) -> ExportedGraph:
    """Declarations for every record of `kinds`. `managed` maps IDs in state to their addresses;
    `taken_keys` maps a kind's name to keys its declarations or state already use; `member_emails`
    maps member IDs to emails."""
    keys = {part.kind.name: assign_keys(part.records, taken_keys.get(part.kind.name, ()), part.kind.name) for part in kinds}
    addresses = {**unique_emails(member_emails or {}), **managed}
    for part in kinds:
        addresses.update({record_id: address_of(key, part.kind) for record_id, key in keys[part.kind.name].items()})
    records: list[ExportedRecord] = []
    outside: list[OutsideLink] = []
    computed_sides = {kind: frozenset({key}) for kind, key, _other_kind, _other_key in TWO_SIDED_LINKS}
    for part in sorted(kinds, key=lambda part: DECLARABLE_KINDS.index(part.kind)):
        left_out = computed_sides.get(part.kind.name, frozenset())
        exported = export_records(part.records, keys[part.kind.name], part.definitions, addresses, part.kind, left_out)
        records += exported
        outside += _outside_links(exported)
    return ExportedGraph(records, outside)


def _outside_links(exported: list[ExportedRecord]) -> list[OutsideLink]:
    found = []
    for record in exported:
        for key, value in record.body.get("relationships", {}).items():
            for target in value if isinstance(value, list) else [value]:
                kind = next((kind for kind in DECLARABLE_KINDS if kind.owns_id(target)), None)
                if kind is not None:
                    found.append(OutsideLink(record.address, key, target, kind))
    return found
