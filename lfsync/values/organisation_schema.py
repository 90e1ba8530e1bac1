"""The editors' JSON Schema of declaration files made specific to one organisation: its fields
(custom ones included) with the shape of their value type, select fields offering their option
labels and IDs, its relationships, and member emails for `$owner`. `lfsync schema` run in a project
with definitions (the committed lfsync.definitions.json, or an earlier run's cache) emits it.

What the schema accepts is what the value checks (values/types.py) accept of YAML: an option is
its label in any case or its ID, an unknown field or option is refused."""

from __future__ import annotations

import copy
import re
from typing import Any

from lfsync.kinds.catalogue import ACCOUNT
from lfsync.kinds.record_kind import RecordKind
from lfsync.values.organisation import KnownOrganisation
from lfsync.values.relative_dates import ACCEPTED_FORMS
from lfsync.values.types import DATETIME_EXAMPLE, NOT_WRITABLE_TYPES, SELECT_TYPES, FieldSpec

_NOT_DECLARABLE: dict[str, Any] = {"not": {}}


def with_organisation(schema: dict[str, Any], known: KnownOrganisation, kind: RecordKind = ACCOUNT) -> dict[str, Any]:
    """A copy of `schema` (declare.schema's) whose fields and relationships are the organisation's."""
    schema = copy.deepcopy(schema)
    schema["description"] = f"{schema['description']} Fields and options of {known.source}."
    definitions = schema["$defs"]
    fields = definitions["fields"]
    offline = fields["properties"]
    fields["properties"] = {
        key: _field_schema(spec, offline.get(key)) for key, spec in sorted(known.organisation.fields.items())
    }
    fields["additionalProperties"] = False  # a field the organisation does not define is refused
    fields["description"] = f"Field values by key, as defined by {known.source}."
    relationships = definitions["relationships"]
    written = relationships["properties"]
    emails = sorted(filter(None, known.organisation.member_emails.values()))
    properties: dict[str, Any] = {}
    for key, relationship in sorted(known.organisation.relationships.items()):
        if key in kind.read_only_relationships:
            properties[key] = {"description": f"{_named(key, relationship.label)} is read-only: cannot be declared.", **_NOT_DECLARABLE}
            continue
        value = copy.deepcopy(written.get(key, {"$ref": "#/$defs/relationshipValue"}))
        holds = "one record" if relationship.holds_one else "records"
        value["description"] = f"{_named(key, relationship.label)}: links to {holds} of kind {relationship.object_type}."
        if relationship.object_type == "member" and emails:
            value["examples"] = emails
        properties[key] = value
    relationships["properties"] = properties
    relationships["additionalProperties"] = False
    return schema


def _named(key: str, label: str) -> str:
    return f"{label} ({key})" if label and label != key else key


def _field_schema(spec: FieldSpec, offline: dict[str, Any] | None) -> dict[str, Any]:
    name = _named(spec.key, spec.label)
    if spec.read_only or spec.value_type in NOT_WRITABLE_TYPES:
        return {"description": f"{name}: {spec.value_type}, read-only in Lightfield: cannot be declared.", **_NOT_DECLARABLE}
    if spec.value_type in SELECT_TYPES:
        option = option_schema(spec)
        shape = option if spec.value_type == "SINGLE_SELECT" else {"type": "array", "items": option}
        labels = ", ".join(option.label for option in spec.options)
        value: dict[str, Any] = {"anyOf": [shape, {"type": "null"}]}
        description = f"{name}: {spec.value_type}, an option label (any case) or ID: {labels or 'no options'}."
    elif offline is not None and "not" not in offline:
        value = {key: part for key, part in offline.items() if key != "description"}
        description = f"{name}: {spec.value_type}."
    else:
        value = VALUE_SCHEMAS.get(spec.value_type, {})
        description = f"{name}: {spec.value_type}" + (f", {DATETIME_EXAMPLE}, or relative to the workspace's anchor: {ACCEPTED_FORMS}." if spec.value_type == "DATETIME" else ".")
    if spec.key in ACCOUNT.required_fields:
        description += " Required."
    return {"description": description, **copy.deepcopy(value)}


def option_schema(spec: FieldSpec) -> dict[str, Any]:
    """One option: its label (offered by editors as written, matched in any case) or its ID."""
    labels = [option.label for option in spec.options]
    ids = [option.id for option in spec.options]
    if not labels:
        return dict(_NOT_DECLARABLE)  # the field has no option: nothing is valid
    return {"anyOf": [{"enum": labels}, {"enum": ids}, {"type": "string", "pattern": caseless_pattern(labels)}]}


def caseless_pattern(texts: list[str]) -> str:
    """A pattern matching exactly these texts in any case, in the regex subset JSON Schema editors
    share (ECMA-262 with or without the `u` flag: no inline flags, no identity escapes of letters)."""
    return "^(?:" + "|".join("".join(_caseless_character(c) for c in text) for text in texts) + ")$"


_SYNTAX = re.compile(r"[\\^$.|?*+()\[\]{}/]")


def _caseless_character(character: str) -> str:
    lower, upper = character.lower(), character.upper()
    if lower != upper and len(lower) == 1 and len(upper) == 1:
        return f"[{lower}{upper}]"
    return "\\" + character if _SYNTAX.fullmatch(character) else character


_TEXT_OR_NULL = {"type": ["string", "null"]}
VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "TEXT": _TEXT_OR_NULL,
    "NUMBER": {"type": ["number", "null"]},
    "CURRENCY": {"type": ["number", "null"]},
    "CHECKBOX": {"type": ["boolean", "null"]},
    "DATETIME": _TEXT_OR_NULL,
    "EMAIL": {"$ref": "#/$defs/textOrTextList"},
    "TELEPHONE": {"type": ["array", "null"], "items": {"type": "string"}},
    "URL": {"$ref": "#/$defs/textOrTextList"},
    "ADDRESS": {"$ref": "#/$defs/address"},
    "FULL_NAME": {
        "type": ["object", "null"],
        "properties": {"firstName": _TEXT_OR_NULL, "lastName": _TEXT_OR_NULL},
        "additionalProperties": False,
    },
    "SOCIAL_HANDLE": {"$ref": "#/$defs/socialHandle"},
}
