"""`lfsync definitions show`: the organisation's fields (type, required, options with their IDs),
relationships and members with emails, live where a key is configured (a served emulator here),
else from the committed lfsync.definitions.json, saying which; aligned text or JSON."""

from __future__ import annotations

import json
import os

import httpx
import pytest

from wire import API_VERSION, LOCAL_KEY

REMOTE = "target: https://api.lightfield.example\n"  # LIGHTFIELD_BASE_URL (the served emulator) overrides it


def wire_definitions() -> dict:
    """The served organisation's definitions as a plain HTTP client reads them."""
    answer = httpx.get(
        f"{os.environ['LIGHTFIELD_BASE_URL']}/v1/accounts/definitions",
        headers={"Authorization": f"Bearer {LOCAL_KEY}", "Lightfield-Version": API_VERSION},
    )
    answer.raise_for_status()
    return answer.json()


def test_live_definitions_list_every_field_option_relationship_and_member(served_target, make_project, cli):
    project = make_project({}, settings=REMOTE)
    result = cli("definitions", "show", project, "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert "read now" in shown["source"] and os.environ["LIGHTFIELD_BASE_URL"] in shown["source"]
    wire = wire_definitions()
    fields = {field["key"]: field for field in shown["fields"]}
    assert list(fields) == sorted(wire["fieldDefinitions"])  # by key: system `$` fields first
    for key, definition in wire["fieldDefinitions"].items():
        assert fields[key]["label"] == definition["label"] and fields[key]["type"] == definition["valueType"]
        assert fields[key]["options"] == definition["typeConfiguration"].get("options", [])
    assert fields["$name"]["required"] is True and fields["tier"]["required"] is False
    assert fields["accountPlan"]["writable"] is False and fields["$accountStatus"]["writable"] is False
    assert [option["label"] for option in fields["tier"]["options"]] == ["smb", "mid-market", "enterprise"]
    relationships = {relationship["key"]: relationship for relationship in shown["relationships"]}
    assert set(relationships) == set(wire["relationshipDefinitions"])
    assert relationships["parentAccount"] == {
        "key": "parentAccount", "label": "Parent account", "object_type": "account", "cardinality": "HAS_ONE", "writable": True,
    }
    assert relationships["$opportunity"]["writable"] is False
    assert {"id": "mem_cadalovelace000000000", "email": "ada@example.com"} in shown["members"]


def test_the_text_listing_is_aligned_tables_with_options_under_their_field(served_target, make_project, cli):
    project = make_project({}, settings=REMOTE)
    result = cli("definitions", "show", project)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Definitions of accounts, from the live organisation") and lines[0].endswith("read now:")
    header = lines.index("Fields (23)") + 1
    label_column = lines[header].index("LABEL")
    type_column = lines[header].index("TYPE")
    tier = next(line for line in lines if line.startswith("  tier "))
    assert tier[label_column:].startswith("Tier ") and tier[type_column:].startswith("SINGLE_SELECT")
    options = lines[lines.index(tier) + 1 : lines.index(tier) + 4]
    tier_options = {option["label"]: option["id"] for option in wire_definitions()["fieldDefinitions"]["tier"]["typeConfiguration"]["options"]}
    assert [line.split() for line in options] == [[tier_options[label], label] for label in ("smb", "mid-market", "enterprise")]
    assert any(line.split() == ["mem_cgracehopper000000000", "grace@example.com"] for line in lines)
    assert "Relationships (7)" in lines and "Members (3)" in lines


def test_without_a_key_the_committed_snapshot_is_listed_and_named(served_target, make_project, cli, monkeypatch):
    project = make_project({}, settings=REMOTE)
    assert cli("definitions", "pull", project).exit_code == 0
    live = json.loads(cli("definitions", "show", project, "--format", "json").stdout)
    monkeypatch.delenv("LIGHTFIELD_API_KEY")
    result = cli("definitions", "show", project, "--format", "json")
    assert result.exit_code == 0, result.output
    offline = json.loads(result.stdout)
    assert "committed definitions in" in offline["source"] and "lfsync.definitions.json" in offline["source"]
    assert {**offline, "source": None} == {**live, "source": None}
    text = cli("definitions", "show", project).stdout
    assert "from the committed definitions in" in text.splitlines()[0]


def test_without_a_key_or_a_snapshot_it_says_how_to_get_one(make_project, cli):
    project = make_project({}, settings=REMOTE)
    result = cli("definitions", "show", project)
    assert result.exit_code == 1
    assert "no definitions to show" in result.stderr and "lfsync definitions pull" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_the_key_never_appears_in_the_listing(served_target, make_project, cli, output_format):
    project = make_project({}, settings=REMOTE)
    result = cli("definitions", "show", project, "--format", output_format)
    assert result.exit_code == 0 and LOCAL_KEY not in result.output


def test_a_workspace_lists_its_own_targets_definitions_with_its_own_key(served_target, make_project, cli, monkeypatch):
    url = os.environ["LIGHTFIELD_BASE_URL"]
    monkeypatch.delenv("LIGHTFIELD_BASE_URL")  # the workspace names its own target
    monkeypatch.delenv("LIGHTFIELD_API_KEY")
    monkeypatch.setenv("LF_KEY_EU", LOCAL_KEY)
    project = make_project({}, settings=f"{REMOTE}workspaces:\n  demo-eu: {{target: {url}, api_key_env: LF_KEY_EU}}\n")
    without = cli("definitions", "show", project)
    assert without.exit_code == 1 and "no definitions to show for https://api.lightfield.example" in without.stderr
    result = cli("definitions", "show", project, "--workspace", "demo-eu", "--format", "json")
    assert result.exit_code == 0, result.output
    assert url in json.loads(result.stdout)["source"]
