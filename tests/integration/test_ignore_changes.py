"""`ignore_changes:` end to end, through the CLI against the emulator: what people own in Lightfield
is created with the account, then never compared, updated or reverted; the plan names it in one
summary line; a key the organisation (or, without definitions, the project) does not know is refused.
The drift tests edit records directly through the API, as someone in the Lightfield UI would, and
run in both API modes (`served_target`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from org_helpers import act_directly

ADA, GRACE = "mem_cadalovelace000000000", "mem_cgracehopper000000000"

ACCOUNTS = """\
accounts:
  acme:
    fields:
      $name: Acme
      tier: smb
      icp-score: 10
    relationships:
      $owner: ada@example.com
    ignore_changes: [tier, $owner]
  globex:
    fields: {$name: Globex, tier: smb}
"""


def ids_of(project: Path, state_of) -> dict[str, str]:
    return {address: resource["id"] for address, resource in state_of(project)["resources"].items()}


def server_view(project: Path, server_accounts) -> dict[str, dict]:
    """$name -> the fields and owner a live account holds (select options as their IDs)."""
    view = {}
    for record in server_accounts(project):
        fields = {key: value["value"] for key, value in record["fields"].items() if value["value"] is not None}
        owner = record["relationships"].get("$owner", {}).get("values") or []
        view[fields["$name"]] = {**fields, "$owner": owner}
    return view


def tier_option(project: Path, server_accounts, name: str) -> str:
    return server_view(project, server_accounts)[name]["tier"]


def edit_in_lightfield(project: Path, account_id: str, body: dict) -> None:
    """A change made outside lfsync: a POST /v1/accounts/{id} of the API, as the UI sends it."""
    act_directly(project, lambda api: api.update_account(account_id, body))


def applied(cli, project: Path, *options: str) -> str:
    result = cli("apply", project, "--auto-approve", *options)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_ui_edit_to_an_ignored_field_plans_clean_and_one_to_another_field_is_drift(
    make_project, cli, served_target, state_of, server_accounts
):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="skip_enrichment: true\n")
    applied(cli, project)
    ids = ids_of(project, state_of)
    smb = tier_option(project, server_accounts, "Acme")

    edit_in_lightfield(project, ids["account.acme"], {"fields": {"tier": "enterprise"}, "relationships": {"$owner": {"replace": GRACE}}})
    clean = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert clean.exit_code == 0, clean.output
    assert "Ignored drift: 2 field(s) on 1 account(s) differ in Lightfield (ignore_changes): tier, $owner." in clean.stdout
    assert "No changes." in clean.stdout

    edit_in_lightfield(project, ids["account.acme"], {"fields": {"icp-score": 99}})
    edit_in_lightfield(project, ids["account.globex"], {"fields": {"tier": "enterprise"}})
    drift = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert drift.exit_code == 2, drift.output
    assert "account.acme will be updated in place (changed outside lfsync)" in drift.stdout
    assert "icp-score: 99 -> 10  (changed in Lightfield just now)" in drift.stdout  # drift, with its age
    assert 'tier: "enterprise" -> "smb"' in drift.stdout  # globex's tier is not ignored
    assert "$owner" not in drift.stdout.split("Ignored drift")[0]  # acme's owner and tier stay out of the changes
    assert drift.stdout.count("tier:") == 1
    assert "Plan: 0 to create, 2 to update, 0 to delete." in drift.stdout

    applied(cli, project, "--refresh")
    view = server_view(project, server_accounts)
    assert view["Acme"]["icp-score"] == 10 and view["Acme"]["tier"] != smb and view["Acme"]["$owner"] == [GRACE]
    assert view["Globex"]["tier"] == smb
    again = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "Ignored drift: 2 field(s) on 1 account(s)" in again.stdout
    markdown = cli("plan", project, "--refresh", "--format", "markdown")
    assert "Ignored drift: 2 field(s) on 1 account(s) differ in Lightfield" in markdown.stdout
    as_json = cli("plan", project, "--refresh", "--format", "json")
    assert '"account.acme": [\n      "fields.tier",\n      "relationships.$owner"\n    ]' in as_json.stdout


def test_ignore_all_creates_with_every_field_then_never_updates(make_project, cli, served_target, state_of, server_accounts):
    declared = """
        accounts:
          seeded:
            fields: {$name: Seeded, tier: smb, icp-score: 5}
            relationships: {$owner: ada@example.com}
            ignore_changes: all
    """
    project = make_project({"accounts.yaml": declared}, settings="skip_enrichment: true\n")
    applied(cli, project)
    created = server_view(project, server_accounts)["Seeded"]
    assert created["icp-score"] == 5 and created["tier"].startswith("opt_") and created["$owner"] == [ADA]

    edit_in_lightfield(project, ids_of(project, state_of)["account.seeded"], {"fields": {"icp-score": 50}})
    (project / "accounts.yaml").write_text(
        "accounts:\n  seeded:\n    fields: {$name: Seeded, tier: enterprise, icp-score: 6, region: EU}\n"
        "    relationships: {$owner: grace@example.com}\n    ignore_changes: all\n"
    )
    plan = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "Ignored drift: 4 field(s) on 1 account(s) differ in Lightfield (ignore_changes): icp-score, region, tier, $owner." in plan.stdout
    assert "Apply complete! Nothing to change." in applied(cli, project, "--refresh")
    assert server_view(project, server_accounts)["Seeded"] == {**created, "icp-score": 50}


def test_the_project_wide_setting_leaves_owners_to_people(make_project, cli, served_target, state_of, server_accounts):
    project = make_project(
        {"accounts.yaml": "accounts:\n  acme:\n    fields: {$name: Acme}\n    relationships: {$owner: ada@example.com}\n"},
        settings="skip_enrichment: true\nignore_changes: [$owner]\n",
    )
    applied(cli, project)
    edit_in_lightfield(project, ids_of(project, state_of)["account.acme"], {"relationships": {"$owner": {"replace": GRACE}}})
    plan = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "Ignored drift: 1 field(s) on 1 account(s) differ in Lightfield (ignore_changes): $owner." in plan.stdout
    applied(cli, project, "--refresh")
    assert server_view(project, server_accounts)["Acme"]["$owner"] == [GRACE]


def test_a_changed_declared_value_of_an_ignored_field_plans_no_update(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nskip_enrichment: true\n")
    applied(cli, project)
    before = server_view(project, server_accounts)["Acme"]
    serial = state_of(project)["serial"]
    (project / "accounts.yaml").write_text(
        ACCOUNTS.replace("tier: smb\n      icp-score", "tier: enterprise\n      icp-score").replace("ada@", "grace@")
    )
    plan = cli("plan", project, "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "Ignored drift: 2 field(s) on 1 account(s) differ in Lightfield (ignore_changes): tier, $owner." in plan.stdout
    saved = project / "plan.json"
    assert cli("plan", project, "--out", saved).exit_code == 0
    assert "Ignored drift: 2 field(s) on 1 account(s)" in cli("show", saved).stdout
    assert "Apply complete! Nothing to change." in applied(cli, project)
    assert server_view(project, server_accounts)["Acme"] == before
    assert state_of(project)["serial"] == serial  # nothing written: state still holds what Lightfield holds


def test_an_update_of_other_fields_sends_none_of_the_ignored_ones(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nskip_enrichment: true\n")
    applied(cli, project)
    smb = tier_option(project, server_accounts, "Acme")
    (project / "accounts.yaml").write_text(ACCOUNTS.replace("tier: smb\n      icp-score: 10", "tier: enterprise\n      icp-score: 11"))
    plan = cli("plan", project, "--detailed-exitcode")
    assert plan.exit_code == 2 and "icp-score: 10 -> 11" in plan.stdout and "tier:" not in plan.stdout.split("Ignored")[0]
    assert "0 created, 1 updated, 0 deleted" in applied(cli, project)
    acme = server_view(project, server_accounts)["Acme"]
    assert acme["icp-score"] == 11 and acme["tier"] == smb
    assert state_of(project)["resources"]["account.acme"]["applied"]["fields"]["tier"] == smb
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_csv_column_ignores_keys_for_its_row(make_project, cli, state_of, server_accounts):
    project = make_project(
        {"accounts.csv": "key,$name,icp-score,ignore_changes\nacme,Acme,10,icp-score\nglobex,Globex,20,\n"},
        settings="target: local\nskip_enrichment: true\n",
    )
    applied(cli, project)
    ids = ids_of(project, state_of)
    for address in ids.values():
        edit_in_lightfield(project, address, {"fields": {"icp-score": 1}})
    plan = cli("plan", project, "--refresh", "--detailed-exitcode")
    assert plan.exit_code == 2
    assert "account.globex will be updated" in plan.stdout and "account.acme will" not in plan.stdout
    assert "Ignored drift: 1 field(s) on 1 account(s) differ in Lightfield (ignore_changes): icp-score." in plan.stdout


def test_a_typo_is_refused_against_the_definitions_with_nothing_sent(make_project, cli, served_target, server_accounts):
    project = make_project(
        {"accounts.yaml": ACCOUNTS.replace("[tier, $owner]", "[teir, $owner]")},
        settings="skip_enrichment: true\nignore_changes: [$ownr]\n",
    )
    for command in (("plan",), ("apply", "--auto-approve"), ("validate",)):
        result = cli(*command, project)
        assert result.exit_code == 1, result.output
        assert (
            "accounts.yaml:9:22: ignore_changes of account.acme: 'teir' is no field or relationship of this "
            "organisation (did you mean 'tier'?)" in result.stderr
        )
        assert (
            "lfsync.yaml:2:18: ignore_changes: '$ownr' is no field or relationship of this organisation "
            "(did you mean '$owner'?)" in result.stderr
        )
    assert server_accounts(project) == []
    assert not (project / "state" / "default.lfstate.json").exists()


def test_without_definitions_keys_are_checked_against_those_declared_and_recorded(
    make_project, cli, served_target, state_of
):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="skip_enrichment: true\n")
    applied(cli, project)
    shutil.rmtree(project / ".lfsync" / "definitions")  # what the apply kept of the organisation's definitions
    keyless = {"LIGHTFIELD_API_KEY": None}
    # icp-score is no longer declared, but recorded in state: a known key
    (project / "accounts.yaml").write_text(ACCOUNTS.replace("      icp-score: 10\n", "").replace("[tier, $owner]", "[tier, icp-score]"))
    known = cli("plan", project, "--detailed-exitcode", env=keyless)
    # acme's owner is no longer ignored, and Lightfield holds the declared one (sent on create): no change;
    # icp-score, no longer declared, is now ignored: left as it is
    assert known.exit_code == 0, known.output
    assert "Values were not checked against the organisation's definitions" in known.stdout
    assert "icp-score" not in known.stdout.split("Ignored drift")[0] and "No changes" in known.stdout

    (project / "accounts.yaml").write_text(ACCOUNTS.replace("[tier, $owner]", "[tier, icp-scor]"))
    refused = cli("plan", project, env=keyless)
    assert refused.exit_code == 1
    assert (
        "accounts.yaml:9:28: ignore_changes of account.acme: 'icp-scor' is no field or relationship declared in this "
        "project or recorded in its state, the keys known without definitions (did you mean 'icp-score'?)"
        in refused.stderr
    )


def test_a_reference_cycle_is_still_linked_when_its_relationship_is_ignored(make_project, cli, state_of):
    """The follow-up update that closes a cycle completes the create: ignored keys are sent there too."""
    cycle = """
        accounts:
          north: {fields: {$name: North}, relationships: {parentAccount: account.south}}
          south: {fields: {$name: South}, relationships: {parentAccount: account.north}}
    """
    project = make_project({"accounts.yaml": cycle}, settings="target: local\nskip_enrichment: true\nignore_changes: [parentAccount]\n")
    applied(cli, project)
    state = state_of(project)["resources"]
    north, south = state["account.north"], state["account.south"]
    assert north["applied"]["relationships"] == {"parentAccount": south["id"]}
    assert south["applied"]["relationships"] == {"parentAccount": north["id"]}  # linked by the follow-up
    assert cli("plan", project, "--refresh", "--detailed-exitcode").exit_code == 0
