"""`prune: true` in lfsync.yaml: plan and apply trash accounts no longer declared, as --prune does,
so a reviewed pull request can remove accounts; by default a removed declaration stays an orphan."""

from __future__ import annotations

import json

from conftest import ACCOUNTS

PRUNE_NOTE = "Pruning: accounts in state that are no longer declared are moved to the trash"


def _drop_globex(project):
    text = (project / "accounts.yaml").read_text()
    (project / "accounts.yaml").write_text(text.split("  globex:")[0])


def test_by_default_a_removed_declaration_stays_an_orphan(project, cli, state_of, server_accounts):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    _drop_globex(project)
    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert "account.globex is in state but no longer declared" in planned.stdout
    assert PRUNE_NOTE not in planned.stdout
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0 and "Nothing to change" in applied.stdout
    assert "account.globex" in state_of(project)["resources"]
    assert len(server_accounts(project)) == 3


def test_prune_setting_plans_and_applies_the_delete(make_project, cli, state_of, server_accounts):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nprune: true\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    _drop_globex(project)

    planned = cli("plan", project, "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "- account.globex" in planned.stdout
    assert "Plan: 0 to create, 0 to update, 1 to delete." in planned.stdout
    assert PRUNE_NOTE in planned.stdout
    markdown = cli("plan", project, "--format", "markdown")
    assert PRUNE_NOTE in markdown.stdout and "| delete | 1 |" in markdown.stdout

    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "1 deleted" in applied.stdout
    assert "account.globex" not in state_of(project)["resources"]
    assert len(server_accounts(project)) == 2
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0


def test_a_saved_plan_records_the_setting_under_its_fingerprint(make_project, cli, tmp_path, state_of, server_accounts):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nprune: true\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    _drop_globex(project)
    plan_file = tmp_path / "pruned.lfplan"
    assert cli("plan", project, "--out", plan_file).exit_code == 0
    saved = json.loads(plan_file.read_text())
    assert saved["options"]["prune"] is True

    forged = tmp_path / "forged.lfplan"
    forged.write_text(plan_file.read_text().replace('"prune": true', '"prune": false'))
    refused = cli("apply", forged, "--auto-approve")
    assert refused.exit_code == 1 and "altered" in refused.stderr

    unasked = cli("apply", plan_file)  # a pruning plan asks, also when saved: not on a terminal, refused
    assert unasked.exit_code == 1 and "--auto-approve" in unasked.stderr
    assert len(server_accounts(project)) == 3

    applied = cli("apply", plan_file, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "account.globex" not in state_of(project)["resources"]
    assert len(server_accounts(project)) == 2


def test_the_flag_still_prunes_without_the_setting(project, cli, state_of):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    _drop_globex(project)
    planned = cli("plan", project, "--prune")
    assert "- account.globex" in planned.stdout and PRUNE_NOTE in planned.stdout
    assert cli("apply", project, "--auto-approve", "--prune").exit_code == 0
    assert "account.globex" not in state_of(project)["resources"]


def test_a_workspace_entry_overrides_the_project_setting(make_project, cli, state_of):
    settings = "prune: true\nworkspaces:\n  keep: {prune: false}\n  trim: {}\n"
    project = make_project({"accounts.yaml": ACCOUNTS}, settings=settings)
    assert cli("apply", project, "--all-workspaces", "--auto-approve").exit_code == 0
    _drop_globex(project)
    kept = cli("plan", project, "--workspace", "keep")
    assert "account.globex is in state but no longer declared" in kept.stdout
    trimmed = cli("plan", project, "--workspace", "trim")
    assert "- account.globex" in trimmed.stdout
    assert cli("apply", project, "--all-workspaces", "--auto-approve").exit_code == 0
    assert "account.globex" in state_of(project, "keep")["resources"]
    assert "account.globex" not in state_of(project, "trim")["resources"]


def test_reset_keeps_its_own_rule(make_project, cli, state_of):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nprune: true\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    _drop_globex(project)
    reset = cli("reset", project, "--auto-approve")
    assert reset.exit_code == 0, reset.output
    assert PRUNE_NOTE not in reset.stdout
    assert "account.globex" in state_of(project)["resources"]


def test_prune_must_be_a_boolean(make_project, cli):
    project = make_project({"accounts.yaml": ACCOUNTS}, settings="target: local\nprune: yes\n")
    result = cli("plan", project)
    assert result.exit_code == 1
    assert "lfsync.yaml:2:1" in result.stderr and "setting 'prune' must be a bool" in result.stderr
