"""`lfsync export`: declarations for records (accounts, contacts, opportunities, tasks, notes) that already exist
in an organisation. Pure: records and definitions in, declaration bodies out; the command does the
reading and writing (lfsync.remote.export_graph puts the kinds together).

What a declaration holds is what lfsync manages: writable fields with a value (select options as
their labels), and relationships that link to something, references between exported (or already
managed) records written as `<kind>.<key>` addresses. Keys come from names (a contact's FULL_NAME
`{firstName, lastName}` -> `ada-lovelace`) and are unique per kind and stable: records are keyed in
order of creation, so the same organisation exported twice gets the same keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from lfsync.api.records import ApiRecord, Definitions, FieldDefinition
from lfsync.declare.addresses import address_of, is_address_key
from lfsync.declare.variables import escaped
from lfsync.kinds.catalogue import ACCOUNT, LIST
from lfsync.kinds.record_kind import RecordKind
from lfsync.values.types import NOT_WRITABLE_TYPES, SELECT_TYPES

MAX_KEY_LENGTH = 48
FALLBACK_KEY = ACCOUNT.name  # a key when nothing of the name is left: the kind's name
FULL_NAME_PARTS = ("firstName", "lastName")
# Letters NFKD does not split into a base letter and an accent.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "ð": "d"})


@dataclass(frozen=True)
class ExportedRecord:
    key: str
    record_id: str
    body: dict[str, Any]  # {"fields": {...}, "relationships": {...}?} as it goes in the file
    kind: RecordKind = ACCOUNT

    @property
    def address(self) -> str:
        return address_of(self.key, self.kind)


ExportedAccount = ExportedRecord  # the name it had while only accounts were exported


def key_from_name(name: Any, fallback: str = FALLBACK_KEY) -> str:
    """`Acme Corp (EMEA)` -> `acme-corp-emea`, `{firstName: Ada, lastName: Lovelace}` ->
    `ada-lovelace`; accents dropped; `fallback` (the kind's name) when nothing is left."""
    spelled = _name_text(name).lower().translate(_LETTERS_WITHOUT_DECOMPOSITION)
    ascii_name = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_KEY_LENGTH].strip("-")
    return key if is_address_key(key) else fallback


def _name_text(name: Any) -> str:
    """A name as text: a FULL_NAME object's parts in order (first, last), anything else as it is."""
    if isinstance(name, dict):
        return " ".join(str(name[part]) for part in FULL_NAME_PARTS if name.get(part))
    return str(name or "")


def assign_keys(records: Iterable[ApiRecord], taken: Iterable[str] = (), fallback: str = FALLBACK_KEY) -> dict[str, str]:
    """record ID -> a key unique among them and `taken`: the name's key, then -2, -3, ... in order of
    creation (ties by ID), so keys do not depend on the order a list answers in. `fallback`: the key
    of a record whose name leaves nothing (its kind's name)."""
    used = set(taken)
    keys: dict[str, str] = {}
    for record in sorted(records, key=lambda r: (r.created_at or "", r.id)):
        base = key_from_name(record.fields.get("$name") or record.fields.get("$title"), fallback)  # tasks, notes: $title
        key, suffix = base, 1
        while key in used:
            suffix += 1
            key = f"{base}-{suffix}"
        used.add(key)
        keys[record.id] = key
    return keys


def export_records(
    records: list[ApiRecord],
    keys: Mapping[str, str],
    definitions: Definitions,
    addresses: Mapping[str, str],
    kind: RecordKind = ACCOUNT,
    left_out: frozenset[str] = frozenset(),
) -> list[ExportedRecord]:
    """Declarations for `records` (of `kind`) under `keys` (record ID -> key), sorted by key.
    `addresses` maps IDs to what a link to them is written as (an address, a member's email);
    `left_out`: relationships not written (the side of a two-sided link the other record declares)."""
    exported = [
        ExportedRecord(
            key=keys[record.id], record_id=record.id, kind=kind,
            body=declaration_body(record, definitions, addresses, kind, left_out),
        )
        for record in records
    ]
    return sorted(exported, key=lambda record: record.key)


def unique_emails(member_emails: Mapping[str, str]) -> dict[str, str]:
    """member ID -> email, for the members whose email is theirs alone (emails match without regard
    to case, so one shared in any spelling would name two members: those keep their IDs)."""
    owners = Counter(email.casefold() for email in member_emails.values() if email)
    return {member_id: email for member_id, email in member_emails.items() if email and owners[email.casefold()] == 1}


def declaration_body(
    record: ApiRecord,
    definitions: Definitions,
    addresses: Mapping[str, str],
    kind: RecordKind = ACCOUNT,
    left_out: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    fields = {}
    for key, value in record.fields.items():
        definition = definitions.fields.get(key)
        if value is None or value == [] or definition is None or not _writable_field(key, definition, kind):
            continue
        fields[key] = _declared_value(value, definition)
    relationships = {}
    for key, held in record.relationships.items():
        relationship = definitions.relationships.get(key)
        if not held.ids or relationship is None or key in kind.read_only_relationships or key in left_out:
            continue
        declared = [addresses.get(target, target) for target in held.ids]
        if kind is LIST:  # a list's members: a set the API answers newest first; written sorted, stable
            declared.sort()
        relationships[key] = declared[0] if relationship.holds_one and len(declared) == 1 else declared
    body: dict[str, Any] = {"fields": _name_first(fields)}
    if relationships:
        body["relationships"] = relationships
    return body


def _writable_field(key: str, definition: FieldDefinition, kind: RecordKind) -> bool:
    if key in kind.markdown_fields:  # a note's $content, a task's $description: written as markdown text
        return True
    return key not in kind.read_only_fields and definition.value_type not in NOT_WRITABLE_TYPES


def _declared_value(value: Any, definition: FieldDefinition) -> Any:
    if definition.value_type in SELECT_TYPES:
        labels = _unambiguous_labels(definition)
        return [labels.get(v, v) for v in value] if isinstance(value, list) else labels.get(value, value)
    if isinstance(value, dict):  # ADDRESS, FULL_NAME: only the parts that are set
        return {part: _as_written(item) for part, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    return _as_written(value)


def _as_written(value: Any) -> Any:
    """Server text as a declaration writes it: a `${vars.` in it is text, not a variable's use."""
    return escaped(value) if isinstance(value, str) else value


def _unambiguous_labels(definition: FieldDefinition) -> dict[str, str]:
    """option ID -> its label, for the options whose label (in any case) no other option has: a
    label several options share (a `$stage` of two pipelines: `Closed Won`) stays an option ID."""
    spelled = Counter(option.label.casefold() for option in definition.options)
    return {option.id: option.label for option in definition.options if spelled[option.label.casefold()] == 1}


def _name_first(fields: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(fields.items(), key=lambda item: (item[0] != "$name", not item[0].startswith("$"), item[0])))


def export_file_text(exported: list[ExportedRecord], header: list[str], kinds: Iterable[RecordKind] = (ACCOUNT,)) -> str:
    """The declaration file: one map per kind of `kinds` that has records (`accounts:`,
    `contacts:`, ...), block mappings, lists and addresses in flow style, in `lfsync fmt` form."""
    from lfsync.declare.fmt import dump_yaml, format_text

    document = CommentedMap()
    for kind in kinds:
        declarations = CommentedMap((record.key, _styled(record.body)) for record in exported if record.kind is kind)
        if declarations:
            document[kind.declaration_key] = declarations
    text = "".join(f"# {line}\n" for line in header) + dump_yaml(document)
    return format_text(text)


def _styled(value: Any, depth: int = 0) -> Any:
    if isinstance(value, dict):
        mapping = CommentedMap((key, _styled(item, depth + 1)) for key, item in value.items())
        if depth >= 2:  # a value like an address: one line
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_styled(item, depth + 1) for item in value)
        sequence.fa.set_flow_style()
        return sequence
    return value
