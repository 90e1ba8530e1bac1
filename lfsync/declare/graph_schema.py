"""The JSON Schema parts of contacts, opportunities, tasks, notes and lists (`contacts:`,
`opportunities:`, `tasks:`, `notes:`, `lists:` beside `accounts:`), for lfsync.declare.schema: what can be known offline of each kind's declarations."""

from __future__ import annotations

from typing import Any

from lfsync.kinds.catalogue import CONTACT, LIST, NOTE, OPPORTUNITY, TASK
from lfsync.kinds.lists import MEMBER_TYPES
from lfsync.kinds.record_kind import RecordKind

MEMBER_EMAIL_PATTERN = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"


def graph_properties(key_pattern: str) -> dict[str, Any]:
    """The top-level `contacts`, `opportunities`, `tasks` and `notes` maps, by address key."""
    return {
        kind.declaration_key: {
            "description": f"{kind.declaration_key.capitalize()} by address key; `ada` is the resource {kind.name}.ada.",
            "type": ["object", "null"],
            "patternProperties": {key_pattern: {"$ref": f"#/$defs/{kind.name}"}},
            "additionalProperties": False,
        }
        for kind in (CONTACT, OPPORTUNITY, TASK, NOTE, LIST)
    }


def graph_definitions(record_properties: dict[str, Any]) -> dict[str, Any]:
    """`$defs` entries: `contact` and `opportunity`, each a record (`record_properties`: the keys an
    account has besides fields and relationships) with its kind's fields and relationships."""
    return {
        CONTACT.name: _record(CONTACT, record_properties, _contact_fields(), _relationships(CONTACT, {
            "$account": "The contact's accounts: account.<key> references or account IDs (acc_...).",
        })),
        OPPORTUNITY.name: _record(OPPORTUNITY, record_properties, _opportunity_fields(), _relationships(OPPORTUNITY, {
            "$account": "The account the opportunity belongs to (required): account.<key> or an account ID.",
            "$champion": "The champion: a contact.<key> reference or a contact ID (con_...).",
            "$evaluator": "Evaluators: contact.<key> references or contact IDs.",
            "$createdBy": "The member who created it: a member ID (mem_...) or the member's email.",
        })),
        TASK.name: _record(TASK, record_properties, _task_fields(), _relationships(TASK, {
            "$assignedTo": "The member the task is assigned to (required): a member's email or ID (mem_...).",
            "$account": "The task's account: account.<key> or an account ID.",
            "$opportunity": "The task's opportunity: opportunity.<key> or an opportunity ID.",
            "$createdBy": "The member who created it: a member ID (mem_...) or the member's email.",
        })),
        NOTE.name: _record(NOTE, record_properties, _note_fields(), _relationships(NOTE, {
            "$account": "Accounts the note is about: account.<key> references or account IDs (added and removed one by one).",
            "$opportunity": "Opportunities the note is about: opportunity.<key> references or IDs.",
            "$contact": "Contacts the note is about: contact.<key> references or contact IDs.",
        })),
        LIST.name: _record(LIST, record_properties, _list_fields(), _list_members()),
    }


def _record(kind: RecordKind, record_properties: dict[str, Any], fields: dict, relationships: dict) -> dict[str, Any]:
    return {
        "description": f"One Lightfield {kind.name}.",
        "type": "object",
        "properties": {**record_properties, "fields": fields, "relationships": relationships},
        "required": ["fields", "relationships"] if kind.required_relationships else ["fields"],
        "additionalProperties": False,
    }


def _contact_fields() -> dict[str, Any]:
    return _fields(CONTACT, {
        "$name": {
            "description": "The contact's name: {firstName, lastName} (not a plain string).",
            "type": ["object", "null"],
            "properties": {"firstName": {"type": ["string", "null"]}, "lastName": {"type": ["string", "null"]}},
            "additionalProperties": False,
        },
        "$email": {"description": "Email addresses (a list; how --adopt finds a contact).", "$ref": "#/$defs/textOrTextList"},
        "$profilePhotoUrl": {"description": "Profile photo URL.", "type": ["string", "null"]},
    })


def _opportunity_fields() -> dict[str, Any]:
    return _fields(OPPORTUNITY, {
        "$name": {"description": "The opportunity's name (required).", "type": "string", "minLength": 1},
        "$stage": {
            "description": "Pipeline stage: a label (any case) or a stage option ID (opt_...); required on create. "
            "A label several pipelines share needs an option ID.",
            "type": "string",
            "minLength": 1,
        },
    })


def _task_fields() -> dict[str, Any]:
    choices = TASK.choices_of("$status") or ()
    return _fields(TASK, {
        "$title": {"description": "The task's title (required).", "type": "string", "minLength": 1},
        "$status": {
            "description": f"One of {', '.join(choices)} (any case; required).",
            "type": "string",
            "pattern": "^(" + "|".join(_any_case(choice) for choice in choices) + ")$",
        },
        "$dueAt": {"description": "When it is due: an ISO 8601 instant, or a relative date like now+3d.", "type": ["string", "null"]},
        "$description": {"description": "Markdown.", "type": ["string", "null"]},
    })


def _any_case(word: str) -> str:
    """A regular expression (ECMA 262: no inline flags) matching `word` in any case."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def _note_fields() -> dict[str, Any]:
    return _fields(NOTE, {
        "$title": {"description": "The note's title (required).", "type": "string", "minLength": 1},
        "$content": {"description": "The note's text, in markdown.", "type": ["string", "null"]},
    })
def _list_fields() -> dict[str, Any]:
    return _fields(LIST, {
        "$name": {"description": "The list's name (required).", "type": "string", "minLength": 1},
        "$objectType": {
            "description": "What the list holds (required; cannot change): $account, $contact or $opportunity "
            "(the bare account, contact, opportunity accepted).",
            "type": "string",
            "pattern": "^\\$?(" + "|".join(member.kind_name for member in MEMBER_TYPES) + ")$",
        },
        "$description": {"description": "What the list is for.", "type": ["string", "null"]},
    })


def _list_members() -> dict[str, Any]:
    """A list's members: under the key of its `$objectType`, added and removed one by one."""
    return {
        "description": "The list's members, under the key of its $objectType: <kind>.<key> references or IDs.",
        "type": ["object", "null"],
        "properties": {
            member.key: {
                "description": f"Members of a {member.object_type} list: {member.kind_name}.<key> references or IDs.",
                "type": "array",
                "items": {"type": "string", "minLength": 1},
            }
            for member in MEMBER_TYPES
        },
        "additionalProperties": False,
    }


def _fields(kind: RecordKind, system_fields: dict[str, Any]) -> dict[str, Any]:
    for read_only in sorted(kind.read_only_fields):
        system_fields[read_only] = {"description": "Read-only: filled in by Lightfield, cannot be declared.", "not": {}}
    return {
        "description": "Field values by key: $-prefixed system fields or custom field slugs.",
        "type": "object",
        "properties": system_fields,
        "required": [key for key in kind.required_fields],
        "propertyNames": {"minLength": 1},
        "additionalProperties": True,
    }


def _relationships(kind: RecordKind, described: dict[str, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        key: {"description": text, "$ref": "#/$defs/relationshipValue"} for key, text in described.items()
    }
    properties["$owner"] = {
        "description": "The owning member: a member ID (mem_...) or the member's email.",
        "anyOf": [{"$ref": "#/$defs/relationshipValue"}, {"type": "string", "pattern": MEMBER_EMAIL_PATTERN}],
    }
    for member_key in ("$createdBy", "$assignedTo"):
        if member_key in properties:
            properties[member_key] = {**properties["$owner"], "description": described[member_key]}
    if kind.link("$owner") is None:
        del properties["$owner"]
    for read_only in sorted(kind.read_only_relationships):
        properties[read_only] = {"description": "Read-only in Lightfield: cannot be declared.", "not": {}}
    return {
        "description": "Related records by relationship key: Lightfield IDs or <kind>.<key> references.",
        "type": ["object", "null"] if not kind.required_relationships else "object",
        "properties": properties,
        "required": list(kind.required_relationships),
        "propertyNames": {"minLength": 1},
        "additionalProperties": {"$ref": "#/$defs/relationshipValue"},
    }
