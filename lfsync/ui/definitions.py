"""The organisation's definitions as `lfsync definitions show` lists them: fields (with their
options), relationships and members, each by key, as aligned text tables or one JSON document."""

from __future__ import annotations

import json
from typing import Any, Sequence

from lfsync.kinds.catalogue import ACCOUNT
from lfsync.kinds.record_kind import RecordKind
from lfsync.ui.render import Line
from lfsync.values.organisation import KnownOrganisation, Organisation, RelationshipSpec
from lfsync.values.types import NOT_WRITABLE_TYPES, FieldSpec

FIELD_COLUMNS = ("KEY", "LABEL", "TYPE", "REQUIRED", "WRITABLE")
RELATIONSHIP_COLUMNS = ("KEY", "LABEL", "LINKS TO", "CARDINALITY", "WRITABLE")
MEMBER_COLUMNS = ("ID", "EMAIL")
Row = tuple[Sequence[str], list[tuple[str, str]]]  # the row's cells, and (option ID, label) pairs shown under it


def field_type(spec: FieldSpec) -> str:
    return f"{spec.value_type} (multiple)" if spec.multiple and spec.value_type != "MULTI_SELECT" else spec.value_type


def field_writable(spec: FieldSpec) -> bool:
    return not spec.read_only and spec.value_type not in NOT_WRITABLE_TYPES


def definitions_document(known: KnownOrganisation, kind: RecordKind = ACCOUNT) -> dict[str, Any]:
    """What `--format json` prints: where the definitions came from, then each section as a list."""
    organisation = known.organisation
    return {
        "source": known.source,
        "object_type": kind.name,
        "fields": [
            {
                "key": spec.key,
                "label": spec.label,
                "type": spec.value_type,
                "multiple": spec.multiple,
                "required": spec.key in kind.required_fields,
                "writable": field_writable(spec),
                "options": [{"id": option.id, "label": option.label} for option in spec.options],
            }
            for spec in _fields(organisation)
        ],
        "relationships": [
            {
                "key": relationship.key,
                "label": relationship.label,
                "object_type": relationship.object_type,
                "cardinality": relationship.cardinality,
                "writable": relationship.key not in kind.read_only_relationships,
            }
            for relationship in _relationships(organisation)
        ],
        "members": None if organisation.members is None else [dict(member) for member in organisation.members],
    }


def definitions_json(known: KnownOrganisation, kind: RecordKind = ACCOUNT) -> str:
    return json.dumps(definitions_document(known, kind), indent=2) + "\n"


def definitions_lines(known: KnownOrganisation, kind: RecordKind = ACCOUNT) -> list[Line]:
    """Three aligned tables (a select field's options listed under it, ID then label) under a line
    saying where the definitions came from."""
    organisation = known.organisation
    lines: list[Line] = [(f"Definitions of {kind.name}s, from {known.source}:", "bold"), ("", None)]
    lines += _section(f"Fields ({len(organisation.fields)})", FIELD_COLUMNS, _field_rows(organisation, kind))
    relationship_rows: list[Row] = [
        ((r.key, r.label, r.object_type, r.cardinality or "?", _yes(r.key not in kind.read_only_relationships)), [])
        for r in _relationships(organisation)
    ]
    lines += _section(f"Relationships ({len(organisation.relationships)})", RELATIONSHIP_COLUMNS, relationship_rows)
    if organisation.members is None:
        lines.append(("Members: not known", "bold"))
    else:
        member_rows: list[Row] = [((member["id"], member["email"] or "(no email)"), []) for member in organisation.members]
        lines += _section(f"Members ({len(organisation.members)})", MEMBER_COLUMNS, member_rows)
    return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _field_rows(organisation: Organisation, kind: RecordKind) -> list[Row]:
    return [
        (
            (spec.key, spec.label, field_type(spec), _yes(spec.key in kind.required_fields), _yes(field_writable(spec))),
            [(option.id, option.label) for option in spec.options],
        )
        for spec in _fields(organisation)
    ]


def _fields(organisation: Organisation) -> list[FieldSpec]:
    """By key (system `$` fields first): the same order live and from the snapshot, which sorts them."""
    return [organisation.fields[key] for key in sorted(organisation.fields)]


def _relationships(organisation: Organisation) -> list[RelationshipSpec]:
    return [organisation.relationships[key] for key in sorted(organisation.relationships)]


def _section(title: str, columns: Sequence[str], rows: list[Row]) -> list[Line]:
    widths = [max(len(str(cells[i])) for cells in [columns, *(cells for cells, _ in rows)]) for i in range(len(columns))]
    lines: list[Line] = [(title, "bold"), (_aligned(columns, widths), "dim")]
    for cells, options in rows:
        lines.append((_aligned(cells, widths), None))
        id_width = max((len(option_id) for option_id, _ in options), default=0)
        lines += [(f"      {option_id.ljust(id_width)}  {label}", None) for option_id, label in options]
    lines.append(("", None))
    return lines


def _aligned(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  " + "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()
