"""Many organisations in one run: `workspaces:` in lfsync.yaml, --workspace / --all-workspaces,
against three emulators served in processes of their own, each knowing only its own key."""

from __future__ import annotations

from workspace_orgs import WORKSPACES, env_var, key_of

from wire import accounts_of


def test_all_workspaces_apply_each_organisation_with_its_own_key(three_organisations, cli, state_of, monkeypatch):
    project, _urls = three_organisations
    planned = cli("plan", project, "--all-workspaces", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert planned.stdout.count("Plan: 3 to create, 0 to update, 0 to delete.") == 3

    applied = cli("apply", project, "--all-workspaces", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.count("Apply complete! Resources: 3 created, 0 updated, 0 deleted.") == 3
    seen_ids: set[str] = set()
    for name in WORKSPACES:
        state = state_of(project, name)
        ids = {r["id"] for r in state["resources"].values()}
        assert len(ids) == 3
        assert {r["id"] for r in accounts_of(project, name)} == ids  # exactly its own accounts
        seen_ids |= ids
        assert not (project / "state" / f"{name}.lfstate.lock").exists()
    assert len(seen_ids) == 9
    assert cli("plan", project, "--all-workspaces", "--detailed-exitcode").exit_code == 0


def test_a_key_is_sent_only_to_its_own_target(three_organisations, cli, state_of, monkeypatch):
    """Each emulator knows only its workspace's key, so a key sent elsewhere would be refused (401);
    the project-wide LIGHTFIELD_API_KEY is never used for a workspace."""
    project, _urls = three_organisations
    monkeypatch.setenv("LIGHTFIELD_API_KEY", key_of("demo-eu"))
    monkeypatch.setenv(env_var("demo-us"), key_of("demo-eu"))  # the wrong key for demo-us
    applied = cli("apply", project, "--workspace", "demo-eu", "--workspace", "demo-us", "--auto-approve")
    assert applied.exit_code == 1
    assert "workspace demo-us: the API key was refused" in applied.output
    assert key_of("demo-eu") not in applied.output
    assert len(state_of(project, "demo-eu")["resources"]) == 3  # the other workspace went on
    assert not (project / "state" / "demo-us.lfstate.json").exists()
    assert not (project / "state" / "demo-apac.lfstate.json").exists()


def test_unknown_workspace_and_missing_key_variables_are_clear_errors(three_organisations, cli, monkeypatch):
    project, _urls = three_organisations
    unknown = cli("plan", project, "--workspace", "demo-mars")
    assert unknown.exit_code == 1 and "no workspace 'demo-mars'" in unknown.output
    monkeypatch.delenv(env_var("demo-apac"))
    missing = cli("apply", project, "--all-workspaces", "--auto-approve")
    assert missing.exit_code == 1 and f"{env_var('demo-apac')} is not set" in missing.output


def test_workspace_settings_are_checked_with_their_location(make_project, cli):
    project = make_project({}, settings="workspaces:\n  eu: {target: https://api.lightfield.app, api_key: sk_secret}\n")
    planned = cli("plan", project, "--all-workspaces")
    assert planned.exit_code == 1
    assert "lfsync.yaml:2:" in planned.output and "unknown setting 'api_key' of workspace 'eu'" in planned.output
    assert "needs api_key_env" in planned.output


def test_workspaces_of_one_project_read_its_files_once_and_each_reports_their_problems(make_project, cli, monkeypatch):
    """The declarations are read and parsed once a run and shared: every workspace still shows the
    warnings (once each) and refuses a broken file with its place."""
    from lfsync.declare import declarations

    settings = "workspaces:\n  eu: {target: local}\n  us: {target: local}\n  apac: {target: local}\n"
    project = make_project({"accounts.csv": 'key,$name,tier\nacme,"Acme Corp ",enterprise\nglobex,Globex,smb\n'}, settings=settings)
    reads: list[object] = []
    real_load = declarations.load_declarations
    monkeypatch.setattr("lfsync.operations.declared_project.load_declarations", lambda *a, **k: (reads.append(a), real_load(*a, **k))[1])
    planned = cli("plan", project, "--all-workspaces")
    assert planned.exit_code == 0, planned.output
    assert len(reads) == 1
    assert planned.stdout.count("Plan: 2 to create, 0 to update, 0 to delete.") == 3
    assert planned.stderr.count("Warning: accounts.csv:2:6: $name of account.acme") == 3  # once a workspace

    (project / "accounts.csv").write_text("key,$name,tier\nacme,Acme,enterprise\nacme,Acme again,smb\n", encoding="utf-8")
    reads.clear()
    broken = cli("apply", project, "--all-workspaces", "--auto-approve")
    assert broken.exit_code == 1 and len(reads) == 1
    for name in ("eu", "us", "apac"):  # each workspace names the problem, and the roll-up repeats it
        assert f"Error: workspace {name}: accounts.csv:3:1: account.acme is declared twice" in broken.output
        assert f"  {name}" in broken.output.split("Workspaces:")[1]
    assert not (project / "state" / "eu.lfstate.json").exists()
