"""The JSON Schema for editors: its structure, and that it accepts and rejects what lfsync does."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import pytest

from lfsync.config.yamlio import load_yaml_text, to_plain
from lfsync.declare.schema import declaration_json_schema

SCHEMA = declaration_json_schema()


# A small evaluator for the keywords the schema uses, so the tests need no extra package.
TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
SUPPORTED_KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "type", "properties", "patternProperties",
    "additionalProperties", "required", "items", "anyOf", "not", "pattern", "minLength", "propertyNames",
}


def resolve(reference: str) -> dict:
    assert reference.startswith("#/$defs/"), reference
    return SCHEMA["$defs"][reference.removeprefix("#/$defs/")]


def is_valid(value: Any, schema: Any) -> bool:
    if isinstance(schema, bool):
        return schema
    if "$ref" in schema and not is_valid(value, resolve(schema["$ref"])):
        return False
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(TYPE_CHECKS[name](value) for name in names):
            return False
    if "anyOf" in schema and not any(is_valid(value, option) for option in schema["anyOf"]):
        return False
    if "not" in schema and is_valid(value, schema["not"]):
        return False
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return False
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return False
    if isinstance(value, list) and "items" in schema:
        return all(is_valid(item, schema["items"]) for item in value)
    if isinstance(value, dict):
        return object_is_valid(value, schema)
    return True


def object_is_valid(value: dict, schema: dict) -> bool:
    if any(key not in value for key in schema.get("required", [])):
        return False
    for key, item in value.items():
        if "propertyNames" in schema and not is_valid(key, schema["propertyNames"]):
            return False
        governing = [schema["properties"][key]] if key in schema.get("properties", {}) else []
        governing += [s for pattern, s in schema.get("patternProperties", {}).items() if re.search(pattern, key)]
        if not governing:
            governing = [schema.get("additionalProperties", True)]
        if not all(is_valid(item, s) for s in governing):
            return False
    return True


def validate_yaml(text: str) -> bool:
    return is_valid(to_plain(load_yaml_text(textwrap.dedent(text), "t.yaml")), SCHEMA)


def all_keywords(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(all_keywords(item) for item in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = set()
    for key, value in schema.items():
        found.add(key)
        if key in ("properties", "patternProperties", "$defs"):
            found |= set().union(*(all_keywords(v) for v in value.values())) if value else set()
        else:
            found |= all_keywords(value)
    return found


def test_schema_is_draft_2020_12_and_json_serialisable():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads(json.dumps(SCHEMA)) == SCHEMA


def test_schema_uses_only_keywords_the_tests_evaluate():
    assert all_keywords(SCHEMA) <= SUPPORTED_KEYWORDS


def test_every_reference_resolves():
    references = re.findall(r'"\$ref": "([^"]+)"', json.dumps(SCHEMA))
    assert references
    for reference in references:
        resolve(reference)


def test_structure_for_editors():
    accounts = SCHEMA["properties"]["accounts"]
    assert SCHEMA["additionalProperties"] is False
    assert accounts["patternProperties"] == {"^[a-z0-9][a-z0-9_-]*$": {"$ref": "#/$defs/account"}}
    assert accounts["additionalProperties"] is False
    account = SCHEMA["$defs"]["account"]
    assert set(account["properties"]) == {"fields", "relationships", "skip_enrichment", "protect", "ignore_changes"}
    assert account["required"] == ["fields"] and account["additionalProperties"] is False
    assert account["properties"]["skip_enrichment"]["type"] == "boolean"
    fields = SCHEMA["$defs"]["fields"]
    assert fields["required"] == ["$name"] and fields["properties"]["$name"]["type"] == "string"
    for system_field in ["$website", "$industry", "$headcount", "$primaryAddress", "$linkedIn"]:
        assert fields["properties"][system_field]["description"]


def test_schema_passes_the_official_metaschema_when_jsonschema_is_installed():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


VALID = [
    """\
    accounts:
      acme:
        fields:
          $name: Acme Corp
          $website: [https://acme.com]
          $industry: [Software]
          $headcount: 11-50
          $primaryAddress: {city: Oslo, country: NO}
          tier: enterprise
          icp-score: 7.5
        relationships:
          $owner: mem_cm1abc123def456
          $contact: [con_1, con_2]
          parentAccount: account.globex
          empty: []
        skip_enrichment: true
        ignore_changes: [tier, $owner]
      globex:
        fields: {$name: Globex}
        ignore_changes: all
    """,
    "accounts:\n",
    "{}\n",
]

INVALID = {
    "unknown top-level key": "acounts: {}\n",
    "accounts as a list": "accounts: [acme]\n",
    "bad address key": "accounts:\n  Acme: {fields: {$name: A}}\n",
    "unknown account key": "accounts:\n  a: {fields: {$name: A}, relationship: {}}\n",
    "no fields": "accounts:\n  a: {skip_enrichment: true}\n",
    "no $name": "accounts:\n  a: {fields: {tier: x}}\n",
    "empty $name": "accounts:\n  a: {fields: {$name: ''}}\n",
    "numeric $name": "accounts:\n  a: {fields: {$name: 5}}\n",
    "read-only field": "accounts:\n  a: {fields: {$name: A, $accountStatus: x}}\n",
    "read-only relationship": "accounts:\n  a: {fields: {$name: A}, relationships: {$note: not_1}}\n",
    "bad relationship value": "accounts:\n  a: {fields: {$name: A}, relationships: {$owner: Alice}}\n",
    "bad relationship list item": "accounts:\n  a: {fields: {$name: A}, relationships: {$contact: [con_1, 5]}}\n",
    "skip_enrichment as text": "accounts:\n  a: {fields: {$name: A}, skip_enrichment: 'yes'}\n",
    "country of three letters": "accounts:\n  a: {fields: {$name: A, $primaryAddress: {country: NOR}}}\n",
    "unknown address part": "accounts:\n  a: {fields: {$name: A, $primaryAddress: {town: Oslo}}}\n",
    "industry not a list": "accounts:\n  a: {fields: {$name: A, $industry: Software}}\n",
    "ignore_changes as other text": "accounts:\n  a: {fields: {$name: A}, ignore_changes: tier}\n",
    "ignore_changes all in a list": "accounts:\n  a: {fields: {$name: A}, ignore_changes: [all]}\n",
    "ignore_changes empty key": "accounts:\n  a: {fields: {$name: A}, ignore_changes: ['']}\n",
}


@pytest.mark.parametrize("text", VALID)
def test_valid_declarations_pass(text):
    assert validate_yaml(text)


@pytest.mark.parametrize("text", INVALID.values(), ids=INVALID.keys())
def test_invalid_declarations_fail(text):
    assert not validate_yaml(text)
