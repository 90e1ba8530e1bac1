"""Workspace-aware commands: --workspace and LFSYNC_WORKSPACE on every command that reads state or
the target, one JSON document for several workspaces, the roll-up that ends a multi-workspace run,
and `lfsync workspaces` for a CI matrix; against three organisations served in processes of their own."""

from __future__ import annotations

import json
import re

from workspace_orgs import WORKSPACES, env_var

from conftest import ACCOUNTS
from wire import accounts_of

ADDRESSES = ["account.acme", "account.acme-nordics", "account.globex"]


def test_lfsync_workspace_chooses_a_workspace_of_workspaces_for_state_commands(three_organisations, cli, state_of):
    project, _urls = three_organisations
    assert cli("apply", project, "--workspace", "demo-eu", "--auto-approve").exit_code == 0

    listed = cli("state", "list", "--dir", project, env={"LFSYNC_WORKSPACE": "demo-eu"})
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.split() == ADDRESSES
    by_option = cli("state", "list", "--dir", project, "--workspace", "demo-eu")
    assert by_option.stdout.split() == ADDRESSES
    assert cli("state", "list", "--dir", project, "--workspace", "demo-us").stdout.split() == []

    shown = cli("state", "show", "account.globex", "--dir", project, "--workspace", "demo-eu")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == state_of(project, "demo-eu")["resources"]["account.globex"]["id"]

    moved = cli("state", "mv", "account.globex", "account.globex-eu", "--dir", project, env={"LFSYNC_WORKSPACE": "demo-eu"})
    assert moved.exit_code == 0, moved.output
    assert "account.globex-eu" in state_of(project, "demo-eu")["resources"]

    globex_id = state_of(project, "demo-eu")["resources"]["account.globex-eu"]["id"]
    removed = cli("state", "rm", "account.globex-eu", "--dir", project, "--workspace", "demo-eu")
    assert removed.exit_code == 0, removed.output
    imported = cli("import", "account.globex", globex_id, "--dir", project, "--workspace", "demo-eu")
    assert imported.exit_code == 0, imported.output
    assert state_of(project, "demo-eu")["resources"]["account.globex"]["id"] == globex_id
    assert not (project / "state" / "demo-us.lfstate.json").exists()  # nothing written to another workspace


def test_an_unknown_lfsync_workspace_is_named_as_given_and_never_hinted_at(three_organisations, cli):
    project, _urls = three_organisations
    unknown = cli("state", "list", "--dir", project, env={"LFSYNC_WORKSPACE": "demo-mars"})
    assert unknown.exit_code == 1
    assert "LFSYNC_WORKSPACE=demo-mars: no workspace 'demo-mars'" in unknown.output
    assert "demo-eu, demo-us, demo-apac" in unknown.output


def test_a_state_of_another_target_never_hints_to_do_what_was_done(make_project, cli):
    """Without `workspaces:`, LFSYNC_WORKSPACE still overrides `workspace:`; when that workspace's
    state records another target, the hint does not say to set LFSYNC_WORKSPACE."""
    project = make_project({"accounts.yaml": ACCOUNTS})
    assert cli("apply", project, "--auto-approve", env={"LFSYNC_WORKSPACE": "demo"}).exit_code == 0
    assert (project / "state" / "demo.lfstate.json").exists()
    moved = cli("state", "list", "--dir", project, env={"LFSYNC_WORKSPACE": "demo", "LIGHTFIELD_BASE_URL": "http://127.0.0.1:9"})
    assert moved.exit_code == 1
    assert "LFSYNC_WORKSPACE=demo chose this workspace" in moved.output
    assert "Use another workspace (LFSYNC_WORKSPACE" not in moved.output


def test_validate_checks_the_chosen_workspace_and_never_the_embedded_api(three_organisations, cli):
    project, urls = three_organisations
    chosen = cli("validate", project, "--workspace", "demo-us")
    assert chosen.exit_code == 0, chosen.output
    assert f"against the definitions of {urls['demo-us']}" in chosen.output
    by_variable = cli("validate", project, env={"LFSYNC_WORKSPACE": "demo-apac"})
    assert f"against the definitions of {urls['demo-apac']}" in by_variable.output

    unchosen = cli("validate", project)
    assert unchosen.exit_code == 0, unchosen.output
    assert "choose one with --workspace NAME" in unchosen.output
    assert not list((project / ".lfsync").glob("local*.db"))


def test_definitions_pull_and_force_unlock_take_a_workspace(three_organisations, cli):
    project, urls = three_organisations
    pulled = cli("definitions", "pull", project, "--workspace", "demo-eu")
    assert pulled.exit_code == 0, pulled.output
    assert json.loads((project / "lfsync.definitions.json").read_text())["target"] == urls["demo-eu"]
    unlocked = cli("force-unlock", "0123456789abcdef", project, "--workspace", "demo-us", "--force")
    assert unlocked.exit_code == 0 and "not locked" in unlocked.output
    unknown = cli("force-unlock", "0123456789abcdef", project, "--workspace", "demo-mars", "--force")
    assert unknown.exit_code == 1 and "--workspace demo-mars: no workspace" in unknown.output


def test_export_writes_the_chosen_workspace_organisation(three_organisations, cli, state_of):
    project, _urls = three_organisations
    assert cli("apply", project, "--workspace", "demo-us", "--auto-approve").exit_code == 0
    for address in ADDRESSES:
        assert cli("state", "rm", address, "--dir", project, "--workspace", "demo-us").exit_code == 0
    (project / "accounts.yaml").unlink()
    exported = cli("export", project, "--workspace", "demo-us", "--kind", "account")  # not the organisation's own contacts
    assert exported.exit_code == 0, exported.output
    ids = {resource["id"] for resource in state_of(project, "demo-us")["resources"].values()}
    assert ids == {account["id"] for account in accounts_of(project, "demo-us")}
    assert not (project / "state" / "demo-eu.lfstate.json").exists()


def test_several_workspaces_in_json_print_one_document_and_a_rollup_on_stderr(three_organisations, cli, monkeypatch):
    project, _urls = three_organisations
    planned = cli("plan", project, "--all-workspaces", "--format", "json", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    document = json.loads(planned.stdout)
    assert list(document) == list(WORKSPACES)
    assert all(plan["summary"]["create"] == 3 for plan in document.values())
    assert "Workspaces: 3 succeeded, 0 failed, 0 not reached." in planned.stderr

    monkeypatch.setenv(env_var("demo-us"), "sk_lf_wrong_key")
    failing = cli("plan", project, "--all-workspaces", "--format", "json")
    assert failing.exit_code == 1
    document = json.loads(failing.stdout)
    assert "the API key was refused" in document["demo-us"]["error"]
    assert document["demo-eu"]["summary"]["create"] == 3
    assert "Workspaces: 2 succeeded, 1 failed, 0 not reached." in failing.stderr


def test_a_multi_workspace_apply_ends_with_a_rollup_repeating_each_failure(three_organisations, cli, monkeypatch):
    project, _urls = three_organisations
    monkeypatch.setenv(env_var("demo-us"), "sk_lf_wrong_key")
    applied = cli("apply", project, "--all-workspaces", "--auto-approve")
    assert applied.exit_code == 1
    rollup = applied.stdout[applied.stdout.rindex("Workspaces:"):]
    assert rollup.startswith("Workspaces: 2 succeeded, 1 failed, 0 not reached.")
    assert re.search(r"demo-us\s+failed: the API key was refused", rollup)
    assert re.search(r"demo-eu\s+succeeded: 3 created", rollup)
    assert "sk_lf_wrong_key" not in applied.output


def test_reset_of_all_workspaces_counts_progress_within_its_total(three_organisations, cli):
    project, _urls = three_organisations
    assert cli("apply", project, "--workspace", "demo-eu", "--auto-approve").exit_code == 0
    reset = cli("reset", project, "--all-workspaces", "--auto-approve")
    assert reset.exit_code == 0, reset.output
    lines = re.findall(r"apply: (\d+)/(\d+) \((\d+)%\)", reset.stderr)
    assert lines, reset.stderr
    assert all(int(done) <= int(total) and int(percent) <= 100 for done, total, percent in lines)
    assert lines[-1][:2] == ("6", "6")  # demo-us and demo-apac created 3 each; demo-eu had nothing to do
    assert "Workspaces: 3 succeeded, 0 failed, 0 not reached." in reset.stdout


def test_workspaces_lists_name_target_and_backend_without_a_password(three_organisations, cli):
    project, urls = three_organisations
    env = {"LFSYNC_BACKEND": "postgresql://lfsync:hunter2secret@127.0.0.1:5432/lfsync"}
    listed = cli("workspaces", "--dir", project, "--format", "json", env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [
        {"name": name, "target": urls[name], "backend": "postgresql://lfsync:***@127.0.0.1:5432/lfsync", "api_key_env": env_var(name)}
        for name in WORKSPACES
    ]
    text = cli("workspaces", "--dir", project, env=env)
    assert text.stdout.splitlines()[0].split() == ["NAME", "TARGET", "BACKEND"]
    assert [line.split()[:2] for line in text.stdout.splitlines()[1:]] == [[name, urls[name]] for name in WORKSPACES]
    assert "hunter2secret" not in listed.output + text.output


def test_workspaces_of_a_project_without_workspaces_is_its_own(make_project, cli):
    project = make_project({}, settings="target: local\nworkspace: staging\n")
    listed = cli("workspaces", "--dir", project, "--format", "json")
    assert json.loads(listed.stdout) == [{"name": "staging", "target": "local", "backend": "local", "api_key_env": None}]
