"""`lfsync export`: declarations for accounts that already exist in an organisation. Pure: records and
definitions in, declaration bodies out; the command does the reading and writing.

What a declaration holds is what lfsync manages: writable fields with a value (select options as
their labels), and relationships that link to something, references between exported (or already
managed) accounts written as `account.<key>` addresses. Keys come from names and are unique and
stable: records are keyed in order of creation, so the same organisation exported twice gets the
same keys.
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
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.kinds.record_kind import RecordKind
from lfsync.values.types import NOT_WRITABLE_TYPES, SELECT_TYPES

MAX_KEY_LENGTH = 48
FALLBACK_KEY = "account"
# Letters NFKD does not split into a base letter and an accent.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "ð": "d"})


@dataclass(frozen=True)
class ExportedAccount:
    key: str
    record_id: str
    body: dict[str, Any]  # {"fields": {...}, "relationships": {...}?} as it goes in the file

    @property
    def address(self) -> str:
        return address_of(self.key)


def key_from_name(name: Any) -> str:
    """`Acme Corp (EMEA)` -> `acme-corp-emea`; accents dropped; `account` when nothing is left."""
    spelled = str(name or "").lower().translate(_LETTERS_WITHOUT_DECOMPOSITION)
    ascii_name = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_KEY_LENGTH].strip("-")
    return key if is_address_key(key) else FALLBACK_KEY


def assign_keys(records: Iterable[ApiRecord], taken: Iterable[str] = ()) -> dict[str, str]:
    """record ID -> a key unique among them and `taken`: the name's key, then -2, -3, ... in order of
    creation (ties by ID), so keys do not depend on the order a list answers in."""
    used = set(taken)
    keys: dict[str, str] = {}
    for record in sorted(records, key=lambda r: (r.created_at or "", r.id)):
        base = key_from_name(record.fields.get("$name"))
        key, suffix = base, 1
        while key in used:
            suffix += 1
            key = f"{base}-{suffix}"
        used.add(key)
        keys[record.id] = key
    return keys


def export_accounts(
    records: list[ApiRecord],
    definitions: Definitions,
    managed_ids: Mapping[str, str],
    taken_keys: Iterable[str] = (),
    kind: RecordKind = ACCOUNT,
    member_emails: Mapping[str, str] | None = None,
) -> list[ExportedAccount]:
    """Declarations for `records` (of `kind`), by key. `managed_ids` maps IDs already in state to
    their address, so links to those records are references too; members are written by their
    email (as plans show them) where `member_emails` (ID -> email) names one that no other shares."""
    keys = assign_keys(records, taken_keys)
    addresses = {
        **unique_emails(member_emails or {}), **managed_ids, **{record_id: address_of(key) for record_id, key in keys.items()}
    }
    exported = [
        ExportedAccount(key=keys[record.id], record_id=record.id, body=declaration_body(record, definitions, addresses, kind))
        for record in records
    ]
    return sorted(exported, key=lambda account: account.key)


def unique_emails(member_emails: Mapping[str, str]) -> dict[str, str]:
    """member ID -> email, for the members whose email is theirs alone (emails match without regard
    to case, so one shared in any spelling would name two members: those keep their IDs)."""
    owners = Counter(email.casefold() for email in member_emails.values() if email)
    return {member_id: email for member_id, email in member_emails.items() if email and owners[email.casefold()] == 1}


def declaration_body(
    record: ApiRecord, definitions: Definitions, addresses: Mapping[str, str], kind: RecordKind = ACCOUNT
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
        if not held.ids or relationship is None or key in kind.read_only_relationships:
            continue
        declared = [addresses.get(target, target) for target in held.ids]
        relationships[key] = declared[0] if relationship.holds_one and len(declared) == 1 else declared
    body: dict[str, Any] = {"fields": _name_first(fields)}
    if relationships:
        body["relationships"] = relationships
    return body


def _writable_field(key: str, definition: FieldDefinition, kind: RecordKind) -> bool:
    return key not in kind.read_only_fields and definition.value_type not in NOT_WRITABLE_TYPES


def _declared_value(value: Any, definition: FieldDefinition) -> Any:
    if definition.value_type in SELECT_TYPES:
        labels = {option.id: option.label for option in definition.options}
        return [labels.get(v, v) for v in value] if isinstance(value, list) else labels.get(value, value)
    if isinstance(value, dict):  # ADDRESS, FULL_NAME: only the parts that are set
        return {part: item for part, item in value.items() if item is not None}
    return value


def _name_first(fields: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(fields.items(), key=lambda item: (item[0] != "$name", not item[0].startswith("$"), item[0])))


def export_file_text(exported: list[ExportedAccount], header: list[str]) -> str:
    """The declaration file: block mappings, lists and addresses in flow style, in `lfsync fmt` form."""
    from lfsync.declare.fmt import dump_yaml, format_text

    accounts = CommentedMap()
    for account in exported:
        accounts[account.key] = _styled(account.body)
    document = CommentedMap(accounts=accounts)
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
