"""`--target ADDRESS` / `--exclude ADDRESS` (issue 19) through the CLI against the emulator: a
partial plan applies only what it picks and what that needs created first, says it is partial in
every format, and the next plan shows the rest; saved partial plans apply as saved; a pattern
matching nothing is an error naming what was meant; the journal is settled whatever is targeted."""

from __future__ import annotations

import json

from lfsync.apply.applier import create_body
from lfsync.operations.declared_project import load_declared
from lfsync.plan.resources import create_idempotency_key, resource_hash
from lfsync.state.records import CreateIntent
from lfsync.state.workspace import locked_state

from conftest import ACCOUNTS

PARTIAL = "Note: this plan is partial (--target/--exclude): {} other change(s) not shown and not applied."
NEW_ACCOUNTS = """
  initech:
    fields:
      $name: Initech
    relationships:
      parentAccount: account.initech-group
  initech-group:
    fields:
      $name: Initech Group
"""


def edited(project) -> None:
    """Two updates (acme, globex) and two creates, one of them needed by the other."""
    text = (project / "accounts.yaml").read_text()
    text = text.replace("tier: enterprise", "tier: smb").replace("icp-score: 42", "icp-score: 43")
    (project / "accounts.yaml").write_text(text + NEW_ACCOUNTS)


def names(server_accounts, project) -> set[str]:
    return {record["fields"]["$name"]["value"] for record in server_accounts(project)}


def tier_of_acme(server_accounts, project) -> str:
    [acme] = [r for r in server_accounts(project) if r["fields"]["$name"]["value"] == "Acme Corp"]
    return acme["fields"]["tier"]["value"]


def test_target_applies_only_its_address_and_what_it_needs_then_the_next_plan_shows_the_rest(
    project, cli, served_target, state_of, server_accounts
):
    """Against a served emulator in both API modes (`served_target`)."""
    assert cli("apply", project, "--auto-approve").exit_code == 0
    edited(project)
    tier_before = tier_of_acme(server_accounts, project)

    planned = cli("plan", project, "--target", "account.initech", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "+ account.initech " in planned.stdout and "+ account.initech-group " in planned.stdout
    assert "account.acme " not in planned.stdout and "account.globex" not in planned.stdout
    assert PARTIAL.format(2) in planned.stdout
    assert "brought along because a targeted change refers to them before they exist: account.initech-group" in planned.stdout
    assert "Plan: 2 to create, 0 to update, 0 to delete." in planned.stdout

    applied = cli("apply", project, "--target", "account.initech", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "2 created" in applied.stdout
    assert {"Initech", "Initech Group"} <= names(server_accounts, project)
    assert tier_of_acme(server_accounts, project) == tier_before  # the untargeted update was not sent
    assert "account.initech-group" in state_of(project)["resources"]

    rest = cli("plan", project, "--detailed-exitcode")
    assert rest.exit_code == 2
    assert "Plan: 0 to create, 2 to update, 0 to delete." in rest.stdout and "partial" not in rest.stdout
    assert cli("apply", project, "--auto-approve").exit_code == 0
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
    nothing = cli("plan", project, "--target", "account.acme", "--detailed-exitcode")
    assert nothing.exit_code == 0 and "No changes in the selected records." in nothing.stdout and PARTIAL.format(0) in nothing.stdout


def test_exclude_takes_a_glob_and_target_is_repeatable(project, cli, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    edited(project)
    planned = cli("plan", project, "--exclude", "account.initech*", "--exclude", "account.globex")
    assert planned.exit_code == 0, planned.output
    assert "~ account.acme " in planned.stdout and "initech" not in planned.stdout.replace("account.initech*", "")
    assert PARTIAL.format(3) in planned.stdout and "Plan: 0 to create, 1 to update, 0 to delete." in planned.stdout

    both = cli("plan", project, "--target", "account.acme", "--target", "account.globex")
    assert "Plan: 0 to create, 2 to update, 0 to delete." in both.stdout and PARTIAL.format(2) in both.stdout

    applied = cli("apply", project, "--exclude", "account.initech*", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Initech" not in names(server_accounts, project)
    assert "Plan: 2 to create, 0 to update, 0 to delete." in cli("plan", project).stdout


def test_excluding_what_a_targeted_create_needs_is_an_error_naming_both(project, cli, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    edited(project)
    refused = cli("apply", project, "--target", "account.initech", "--exclude", "account.initech-group", "--auto-approve")
    assert refused.exit_code == 1
    assert "account.initech needs account.initech-group" in refused.stderr and "--exclude 'account.initech-group'" in refused.stderr
    assert "Initech" not in names(server_accounts, project)


def test_a_pattern_matching_nothing_is_an_error_with_a_suggestion(project, cli, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    edited(project)
    planned = cli("plan", project, "--target", "account.acmee")
    assert planned.exit_code == 1
    assert "--target 'account.acmee' matches no declared or managed address (did you mean 'account.acme'?)" in planned.stderr
    bare = cli("apply", project, "--exclude", "globex", "--auto-approve")
    assert bare.exit_code == 1 and "(did you mean 'account.globex'?)" in bare.stderr
    assert "Initech" not in names(server_accounts, project)  # nothing was applied


def test_a_saved_partial_plan_applies_as_saved_and_says_so_in_every_format(project, cli, tmp_path, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    edited(project)
    saved = tmp_path / "hotfix.lfplan"
    assert cli("plan", project, "--target", "account.acme", "--out", saved).exit_code == 0
    document = json.loads(saved.read_text())
    assert document["options"]["target"] == ["account.acme"] and document["partial"] == {"left_out": 3, "brought_along": []}
    assert PARTIAL.format(3) in cli("show", saved).stdout
    markdown = cli("show", saved, "--format", "markdown").stdout
    assert "this plan is partial (--target/--exclude): 3 other change(s) not shown and not applied" in markdown
    assert json.loads(cli("plan", project, "--target", "account.acme", "--format", "json").stdout)["partial"]["left_out"] == 3

    mixed = cli("apply", saved, "--target", "account.globex")
    assert mixed.exit_code == 1 and "a saved plan is applied with the options it was made with" in mixed.stderr
    applied = cli("apply", saved)
    assert applied.exit_code == 0, applied.output
    assert "1 updated" in applied.stdout and "Initech" not in names(server_accounts, project)
    assert "Plan: 2 to create, 1 to update, 0 to delete." in cli("plan", project).stdout


def test_a_targeted_apply_settles_every_interrupted_operation_first(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": ACCOUNTS})
    declared = load_declared(project)
    with locked_state(declared.project, "test") as state:  # a create journalled, never sent (a kill before the request)
        payload = declared.desired["account.globex"].payload(state.ids())
        digest = resource_hash(payload, "account.globex", declared.project.workspace)
        state.begin(CreateIntent(
            address="account.globex", idempotency_key=create_idempotency_key(digest), request=create_body(payload, False),
            hash=digest, applied=payload,
        ))
    applied = cli("apply", project, "--target", "account.acme", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "account.globex: interrupted create settled" in applied.stdout
    assert sorted(state_of(project)["resources"]) == ["account.acme", "account.globex"]
    assert names(server_accounts, project) == {"Acme Corp", "Globex"}
    assert "Plan: 1 to create" in cli("plan", project).stdout  # account.acme-nordics, not targeted
