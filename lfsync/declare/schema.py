"""JSON Schema (draft 2020-12) of declaration files, for editors (`lfsync schema`).

Use it from yaml-language-server with a first line like
`# yaml-language-server: $schema=./lfsync.schema.json`. The schema covers what
can be known offline; custom fields and relationships depend on the organisation
and are checked against its definitions by `lfsync validate` with a target.
"""

from __future__ import annotations

from typing import Any

from lfsync.declare.addresses import (
    ADDRESS_KEY_PATTERN,
    LIGHTFIELD_ID_PATTERN,
    REFERENCE_PATTERN,
)
from lfsync.declare.genblock import GENERATE_KEY, generate_json_schema
from lfsync.declare.graph_schema import graph_definitions, graph_properties
from lfsync.declare.rules import READ_ONLY_FIELDS, READ_ONLY_RELATIONSHIPS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://lfsync.dev/schemas/declarations.schema.json"


def declaration_json_schema() -> dict:
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "lfsync declaration file",
        "description": "Lightfield accounts, contacts, opportunities, tasks and notes declared for lfsync plan/apply.",
        "type": "object",
        "properties": {
            "accounts": {
                "description": "Accounts by address key; `acme` is the resource account.acme.",
                "type": ["object", "null"],
                "patternProperties": {anchored(ADDRESS_KEY_PATTERN): {"$ref": "#/$defs/account"}},
                "additionalProperties": False,
            },
            "moved": moved_schema(),
            GENERATE_KEY: generate_json_schema(),
            **graph_properties(anchored(ADDRESS_KEY_PATTERN)),
        },
        "additionalProperties": False,
        "$defs": {
            "account": account_schema(),
            **graph_definitions(record_flags()),
            "fields": fields_schema(),
            "relationships": relationships_schema(),
            **value_definitions(),
        },
    }


def anchored(pattern: str) -> str:
    # JSON Schema patterns match anywhere in the string unless anchored.
    return f"^{pattern}$"


def moved_schema() -> dict:
    return {
        "description": "Declarations renamed: the record state holds under `from` is now declared as `to` "
        "(it keeps its ID; no request unless its fields change).",
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {"from": {"$ref": "#/$defs/reference"}, "to": {"$ref": "#/$defs/reference"}},
            "required": ["from", "to"],
            "additionalProperties": False,
        },
    }


def account_schema() -> dict:
    return {
        "description": "One Lightfield account.",
        "type": "object",
        "properties": {
            "fields": {"$ref": "#/$defs/fields"},
            "relationships": {"$ref": "#/$defs/relationships"},
            **record_flags(),
        },
        "required": ["fields"],
        "additionalProperties": False,
    }


def record_flags() -> dict:
    """What a record declares besides its fields and relationships (every kind alike)."""
    return {
        "skip_enrichment": {
            "description": "Skip Lightfield's (metered) enrichment on create; overrides lfsync.yaml.",
            "type": "boolean",
        },
        "protect": {
            "description": "Refuse to delete this account, even with --prune, once applied.",
            "type": "boolean",
        },
        "ignore_changes": {
            "description": "Fields and relationships people own in Lightfield: sent on create, never compared or "
            "updated after; `all` makes the account create-only.",
            "anyOf": [
                {"type": "string", "pattern": "^all$"},
                {"type": "array", "items": {"type": "string", "minLength": 1, "not": {"pattern": "^all$"}}},
            ],
        },
    }


def fields_schema() -> dict:
    system_fields: dict[str, Any] = {
        "$name": {"description": "The account's name (required).", "type": "string", "minLength": 1},
        "$website": {"description": "Websites (URL, multi-valued).", "$ref": "#/$defs/textOrTextList"},
        "$industry": {"description": "Industries: select labels or option IDs.", "$ref": "#/$defs/multiSelect"},
        "$headcount": {"description": "Headcount band: a select label or option ID.", "$ref": "#/$defs/singleSelect"},
        "$lastFundingType": {"description": "Last funding round: a select label or option ID.", "$ref": "#/$defs/singleSelect"},
        "$linkedIn": {"description": "LinkedIn profile URL (linkedin.com/company/...).", "$ref": "#/$defs/socialHandle"},
        "$twitter": {"description": "X profile URL (x.com/...).", "$ref": "#/$defs/socialHandle"},
        "$facebook": {"description": "Facebook profile URL (facebook.com/...).", "$ref": "#/$defs/socialHandle"},
        "$instagram": {"description": "Instagram profile URL (instagram.com/...).", "$ref": "#/$defs/socialHandle"},
        "$primaryAddress": {"description": "Primary address.", "$ref": "#/$defs/address"},
    }
    for read_only in sorted(READ_ONLY_FIELDS):
        system_fields[read_only] = {"description": "Read-only: filled in by Lightfield, cannot be declared.", "not": {}}
    return {
        "description": "Field values by key: $-prefixed system fields or custom field slugs.",
        "type": "object",
        "properties": system_fields,
        "required": ["$name"],
        "propertyNames": {"minLength": 1},
        # Custom fields vary by organisation: their shapes are checked against its definitions.
        "additionalProperties": True,
    }


def relationships_schema() -> dict:
    properties: dict[str, Any] = {
        "$owner": {
            "description": "The owning member: a member ID (mem_...) or the member's email.",
            "anyOf": [{"$ref": "#/$defs/relationshipValue"}, {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"}],
        },
        "$contact": {"description": "Contacts: contact IDs (con_...).", "$ref": "#/$defs/relationshipValue"},
    }
    for read_only in sorted(READ_ONLY_RELATIONSHIPS):
        properties[read_only] = {"description": "Read-only in Lightfield: cannot be declared.", "not": {}}
    return {
        "description": "Related records by relationship key: Lightfield IDs or account.<key> references.",
        "type": ["object", "null"],
        "properties": properties,
        "propertyNames": {"minLength": 1},
        "additionalProperties": {"$ref": "#/$defs/relationshipValue"},
    }


def value_definitions() -> dict:
    return {
        "lightfieldId": {
            "description": "A Lightfield ID: prefix, underscore, letters and digits (mem_cm1abc123def456).",
            "type": "string",
            "pattern": anchored(LIGHTFIELD_ID_PATTERN),
        },
        "reference": {
            "description": "A reference to a record declared in this project (account.acme, contact.ada).",
            "type": "string",
            "pattern": anchored(REFERENCE_PATTERN),
        },
        "variableUse": {
            "description": "A value built from lfsync.yaml's `vars:` (${vars.name}), checked once substituted.",
            "type": "string",
            "pattern": "\\$\\{vars\\.",
        },
        "relationshipTarget": {
            "anyOf": [{"$ref": "#/$defs/lightfieldId"}, {"$ref": "#/$defs/reference"}, {"$ref": "#/$defs/variableUse"}]
        },
        "relationshipValue": {
            "anyOf": [
                {"$ref": "#/$defs/relationshipTarget"},
                {"type": "array", "items": {"$ref": "#/$defs/relationshipTarget"}},
            ]
        },
        "textOrTextList": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]
        },
        "singleSelect": {"type": ["string", "null"]},
        "multiSelect": {"type": ["array", "null"], "items": {"type": "string"}},
        "socialHandle": {"type": ["string", "null"]},
        "address": {
            "type": ["object", "null"],
            "properties": {
                "street": {"type": ["string", "null"]},
                "street2": {"type": ["string", "null"]},
                "city": {"type": ["string", "null"]},
                "state": {"type": ["string", "null"]},
                "postalCode": {"type": ["string", "null"]},
                "country": {
                    "description": "ISO 3166-1 alpha-2 code, like NO or US.",
                    "type": ["string", "null"],
                    "pattern": "^[A-Za-z]{2}$",
                },
                "latitude": {"type": ["number", "null"]},
                "longitude": {"type": ["number", "null"]},
            },
            "additionalProperties": False,
        },
    }
