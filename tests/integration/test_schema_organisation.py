"""`lfsync schema` in a project with the organisation's definitions (lfsync.definitions.json)
holds its fields, option labels and relationships: editors complete them, and the schema accepts
what lfsync accepts and refuses an unknown option or field. Elsewhere it stays the offline schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML

from lfsync.declare.schema import declaration_json_schema
from lfsync.values.organisation_schema import caseless_pattern

REMOTE = "target: https://api.lightfield.example\n"  # LIGHTFIELD_BASE_URL (the served emulator) overrides it

DECLARED = """
accounts:
  acme:
    fields:
      $name: Acme Corp
      $industry: [Software, fintech]
      $headcount: 51-200
      tier: enterprise
      segments: [plg, Sales-Led]
      icp-score: 42
      renewalDate: "2026-03-01T09:00:00Z"
      champion: {firstName: Ada, lastName: Lovelace}
      phone: ["+47 22 33 44 55"]
    relationships:
      $owner: ada@example.com
      parentAccount: account.globex
  globex:
    fields: {$name: Globex, tier: ENTERPRISE}
"""


@pytest.fixture
def organisation_schema(served_target, make_project, cli, monkeypatch) -> dict:
    """The schema `lfsync schema` prints in a project with a committed snapshot, with no key set."""
    project = make_project({}, settings=REMOTE)
    assert cli("definitions", "pull", project).exit_code == 0
    monkeypatch.delenv("LIGHTFIELD_API_KEY")
    result = cli("schema", project)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def declared(text: str = DECLARED) -> dict:
    return YAML(typ="safe").load(text)


def test_a_declaration_with_custom_fields_and_option_labels_is_valid(organisation_schema):
    jsonschema.validate(declared(), organisation_schema)


@pytest.mark.parametrize(
    "replace, by",
    [
        ("tier: enterprise", "tier: platinum"),  # an unknown option label
        ("segments: [plg, Sales-Led]", "segments: [plg, partner-led]"),  # one in a multi-select
        ("$headcount: 51-200", "$headcount: 51-2000"),  # a system select field's
        ("icp-score: 42", "icp-scor: 42"),  # a field the organisation does not define
        ("icp-score: 42", "icp-score: forty-two"),  # a number field given text
        ("parentAccount: account.globex", "parentAcount: account.globex"),  # an unknown relationship
        ("tier: enterprise", "accountPlan: written by hand"),  # a MARKDOWN field, not writable
    ],
)
def test_what_lfsync_refuses_the_schema_refuses(organisation_schema, replace, by):
    assert replace in DECLARED
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(declared(DECLARED.replace(replace, by)), organisation_schema)


def test_editors_are_offered_the_labels_option_ids_and_member_emails(organisation_schema):
    fields = organisation_schema["$defs"]["fields"]["properties"]
    tier = fields["tier"]["anyOf"][0]["anyOf"]
    assert tier[0] == {"enum": ["smb", "mid-market", "enterprise"]}
    assert all(option_id.startswith("opt_") for option_id in tier[1]["enum"])
    jsonschema.validate(declared(DECLARED.replace("tier: enterprise", f"tier: {tier[1]['enum'][2]}")), organisation_schema)
    assert "Tier (tier)" in fields["tier"]["description"]
    owner = organisation_schema["$defs"]["relationships"]["properties"]["$owner"]
    assert owner["examples"] == ["ada@example.com", "alan@example.com", "grace@example.com"]
    assert "lfsync.definitions.json" in organisation_schema["description"]


def test_without_a_project_the_schema_stays_the_offline_one(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == declaration_json_schema()
    jsonschema.validate(declared(DECLARED.replace("tier: enterprise", "tier: platinum")), json.loads(result.stdout))


def test_a_project_without_known_definitions_gets_the_offline_schema(make_project, cli):
    project = make_project({}, settings=REMOTE)
    result = cli("schema", project)
    assert result.exit_code == 0 and json.loads(result.stdout) == declaration_json_schema()


@pytest.mark.parametrize("label", ["Series D+", "5000+", "Real Estate", "a.b|c", "(x)"])
def test_an_option_pattern_matches_its_label_in_any_case_and_nothing_else(label):
    import re

    pattern = re.compile(caseless_pattern([label]))
    assert pattern.search(label) and pattern.search(label.upper()) and pattern.search(label.lower())
    assert not pattern.search(label + "x") and not pattern.search("x" + label)
