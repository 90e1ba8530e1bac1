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
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from lfsync.declare.addresses import address_of, is_address_key
from lfsync.declare.rules import READ_ONLY_FIELDS, READ_ONLY_RELATIONSHIPS
from lfsync.remote.refresh import written_values
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


def assign_keys(records: Iterable[dict], taken: Iterable[str] = ()) -> dict[str, str]:
    """record ID -> a key unique among them and `taken`: the name's key, then -2, -3, ... in order of
    creation (ties by ID), so keys do not depend on the order a list answers in."""
    used = set(taken)
    keys: dict[str, str] = {}
    for record in sorted(records, key=lambda r: (r.get("createdAt") or "", r["id"])):
        base = key_from_name(field_value(record, "$name"))
        key, suffix = base, 1
        while key in used:
            suffix += 1
            key = f"{base}-{suffix}"
        used.add(key)
        keys[record["id"]] = key
    return keys


def export_accounts(
    records: list[dict], definitions: dict, managed_ids: Mapping[str, str], taken_keys: Iterable[str] = ()
) -> list[ExportedAccount]:
    """Declarations for `records`, by key. `managed_ids` maps IDs already in state to their address,
    so links to those accounts are references too."""
    keys = assign_keys(records, taken_keys)
    addresses = {**managed_ids, **{record_id: address_of(key) for record_id, key in keys.items()}}
    field_definitions = definitions.get("fieldDefinitions", {})
    relationship_definitions = definitions.get("relationshipDefinitions", {})
    exported = [
        ExportedAccount(
            key=keys[record["id"]],
            record_id=record["id"],
            body=declaration_body(record, field_definitions, relationship_definitions, addresses),
        )
        for record in records
    ]
    return sorted(exported, key=lambda account: account.key)


def declaration_body(
    record: dict, field_definitions: dict, relationship_definitions: dict, addresses: Mapping[str, str]
) -> dict[str, Any]:
    fields = {}
    for key, held in record.get("fields", {}).items():
        value = (held or {}).get("value")
        definition = field_definitions.get(key)
        if value is None or value == [] or definition is None or not _writable_field(key, definition):
            continue
        fields[key] = _declared_value(value, definition)
    relationships = {}
    for key, held in record.get("relationships", {}).items():
        definition = relationship_definitions.get(key)
        targets = written_values(held or {})
        if not targets or definition is None or key in READ_ONLY_RELATIONSHIPS:
            continue
        declared = [addresses.get(target, target) for target in targets]
        relationships[key] = declared[0] if _holds_one(definition) and len(declared) == 1 else declared
    body: dict[str, Any] = {"fields": _name_first(fields)}
    if relationships:
        body["relationships"] = relationships
    return body


def field_value(record: dict, key: str) -> Any:
    return (record.get("fields", {}).get(key) or {}).get("value")


def _writable_field(key: str, definition: dict | None) -> bool:
    return definition is not None and key not in READ_ONLY_FIELDS and definition.get("valueType") not in NOT_WRITABLE_TYPES


def _declared_value(value: Any, definition: dict) -> Any:
    value_type = definition.get("valueType")
    if value_type in SELECT_TYPES:
        options = (definition.get("typeConfiguration") or {}).get("options", [])
        labels = {option.get("id"): option.get("label") for option in options}
        return [labels.get(v, v) for v in value] if isinstance(value, list) else labels.get(value, value)
    if isinstance(value, dict):  # ADDRESS, FULL_NAME: only the parts that are set
        return {part: item for part, item in value.items() if item is not None}
    return value


def _holds_one(definition: dict) -> bool:
    directions = definition.get("directions")
    cardinality = (directions or {}).get("asSource", {}).get("cardinality") or definition.get("cardinality")
    return str(cardinality).upper() == "HAS_ONE"


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
